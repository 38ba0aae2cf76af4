package dev.pricingengine.common.redis;

import dev.pricingengine.common.job.DeadLetterProperties;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the key schema and the settings shared by every service; imported by each
 * service's application class.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ PricingRedisProperties.class, PartitionProperties.class, DeadLetterProperties.class })
public class PricingRedisConfiguration {

	@Bean
	RedisKeys redisKeys(PricingRedisProperties properties, PartitionProperties partitioning) {
		return new RedisKeys(properties.keyPrefix(), properties.eventsChannel(), partitioning.partitions());
	}

}
