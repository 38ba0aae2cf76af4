package dev.pricingengine.listener;

import dev.pricingengine.common.redis.PricingRedisConfiguration;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * Bridges market events published on Redis Pub/Sub onto the job stream.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(PricingRedisConfiguration.class)
public class ListenerApplication {

	public static void main(String[] args) {
		SpringApplication.run(ListenerApplication.class, args);
	}

}
