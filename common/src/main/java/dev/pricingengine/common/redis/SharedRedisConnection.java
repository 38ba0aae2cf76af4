package dev.pricingengine.common.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A service's shared, multiplexed Redis connection. It comes from the Lettuce client that
 * Spring Boot configures from {@code spring.data.redis.*} (credentials, TLS, timeouts in
 * one place), and follows that client's lifecycle: opened after it starts, closed before
 * it stops.
 */
public class SharedRedisConnection implements SmartLifecycle {

	private final LettuceConnectionFactory connectionFactory;

	private volatile StatefulRedisConnection<String, String> connection;

	public SharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	/**
	 * The Lettuce client behind a Spring connection factory; the factory owns it.
	 * @param connectionFactory a started connection factory
	 * @return its client
	 */
	public static RedisClient nativeClient(LettuceConnectionFactory connectionFactory) {
		if (connectionFactory.getRequiredNativeClient() instanceof RedisClient client) {
			return client;
		}
		throw new IllegalStateException("The pricing engine supports standalone and Sentinel Redis; "
				+ "its keys are ready for Redis Cluster (hash tags), its cluster connections are not yet");
	}

	public StatefulRedisConnection<String, String> connection() {
		StatefulRedisConnection<String, String> current = this.connection;
		if (current == null) {
			throw new IllegalStateException("The Redis connection is not open");
		}
		return current;
	}

	@Override
	public void start() {
		this.connection = nativeClient(this.connectionFactory).connect(StringCodec.UTF8);
	}

	@Override
	public void stop() {
		StatefulRedisConnection<String, String> current = this.connection;
		this.connection = null;
		if (current != null) {
			current.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.connection != null;
	}

	@Override
	public int getPhase() {
		return this.connectionFactory.getPhase() + 1;
	}

}
