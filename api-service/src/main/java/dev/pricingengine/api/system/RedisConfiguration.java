package dev.pricingengine.api.system;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Redis connections of the API. They come from the Lettuce client that Spring Boot
 * configures from {@code spring.data.redis.*}, so credentials, TLS and timeouts are set
 * in one place.
 */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

	/** RESP3, so that a connection can receive client-tracking invalidations. */
	@Bean
	LettuceClientOptionsBuilderCustomizer resp3ClientOptions() {
		return (options) -> options.protocolVersion(ProtocolVersion.RESP3);
	}

	/**
	 * The client behind Spring's connection factory; the factory owns (and shuts down)
	 * it.
	 */
	@Bean(destroyMethod = "")
	RedisClient redisClient(LettuceConnectionFactory connectionFactory) {
		if (connectionFactory.getRequiredNativeClient() instanceof RedisClient client) {
			return client;
		}
		throw new IllegalStateException("The pricing engine supports standalone and Sentinel Redis; "
				+ "Redis Cluster needs hash-tagged keys and is not supported yet");
	}

	/**
	 * The shared, multiplexed connection for catalog, market state and write-back
	 * commands.
	 */
	@Bean(destroyMethod = "close")
	StatefulRedisConnection<String, String> redisConnection(RedisClient redisClient) {
		return redisClient.connect(StringCodec.UTF8);
	}

}
