package dev.pricingengine.worker;

import dev.pricingengine.common.redis.PricingRedisConfiguration;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Recalculates prices for queued market events under a fenced lock.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(PricingRedisConfiguration.class)
@EnableScheduling
public class WorkerApplication {

	public static void main(String[] args) {
		SpringApplication.run(WorkerApplication.class, args);
	}

}
