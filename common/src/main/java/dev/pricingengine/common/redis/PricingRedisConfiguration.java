package dev.pricingengine.common.redis;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the key schema for a service; imported by each service's application class.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PricingRedisProperties.class)
public class PricingRedisConfiguration {

	@Bean
	RedisKeys redisKeys(PricingRedisProperties properties) {
		return new RedisKeys(properties.keyPrefix(), properties.eventsChannel());
	}

}
