package dev.pricingengine.common.redis;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A service's shared, multiplexed Redis connection. It comes from the Lettuce client that
 * Spring Boot configures from {@code spring.data.redis.*} (credentials, TLS, timeouts in
 * one place) — a standalone or Sentinel Redis or a Redis Cluster — and follows that
 * client's lifecycle: opened after it starts, closed before it stops.
 */
public class SharedRedisConnection implements SmartLifecycle {

	private final LettuceConnectionFactory connectionFactory;

	private volatile ClusterAwareConnection connection;

	public SharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	public ClusterAwareConnection connection() {
		ClusterAwareConnection current = this.connection;
		if (current == null) {
			throw new IllegalStateException("The Redis connection is not open");
		}
		return current;
	}

	@Override
	public void start() {
		this.connection = ClusterAwareConnection.open(this.connectionFactory);
	}

	@Override
	public void stop() {
		ClusterAwareConnection current = this.connection;
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
