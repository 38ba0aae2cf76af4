package dev.pricingengine.api.system;

import dev.pricingengine.common.redis.KeySchemaCheck;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Redis client settings of the API on top of {@code spring.data.redis.*}.
 */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

	/** RESP3, so that a connection can receive client-tracking invalidations. */
	@Bean
	LettuceClientOptionsBuilderCustomizer resp3ClientOptions() {
		return (options) -> options.protocolVersion(ProtocolVersion.RESP3);
	}

	/** Catalog, market state and write-back commands. */
	@Bean
	SharedRedisConnection sharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		return new SharedRedisConnection(connectionFactory);
	}

	/** Refuses to start on keys of another schema or another number of partitions. */
	@Bean
	KeySchemaCheck keySchemaCheck(SharedRedisConnection sharedRedisConnection, RedisKeys keys) {
		return new KeySchemaCheck(sharedRedisConnection, keys);
	}

	/**
	 * Publishing's own connection, injected only by name: a publish that waits for
	 * replicas ({@code WAIT} blocks the connection it is sent on) holds up no other
	 * command.
	 */
	@Bean(defaultCandidate = false)
	SharedRedisConnection eventRedisConnection(LettuceConnectionFactory connectionFactory) {
		return new SharedRedisConnection(connectionFactory);
	}

}
