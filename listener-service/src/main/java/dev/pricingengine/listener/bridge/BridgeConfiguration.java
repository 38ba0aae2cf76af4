package dev.pricingengine.listener.bridge;

import dev.pricingengine.common.redis.SharedRedisConnection;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The listener's Redis connection for bridging.
 */
@Configuration(proxyBeanMethods = false)
class BridgeConfiguration {

	@Bean
	SharedRedisConnection sharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		return new SharedRedisConnection(connectionFactory);
	}

}
