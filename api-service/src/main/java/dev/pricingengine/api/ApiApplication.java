package dev.pricingengine.api;

import dev.pricingengine.common.redis.PricingRedisConfiguration;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The price API: serves prices from Redis, imports the catalog and publishes market
 * events.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(PricingRedisConfiguration.class)
public class ApiApplication {

	public static void main(String[] args) {
		SpringApplication.run(ApiApplication.class, args);
	}

}
