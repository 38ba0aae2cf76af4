package dev.pricingengine.listener.bridge;

import java.time.Duration;

import dev.pricingengine.common.redis.KeySchemaCheck;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * The listener's Redis connection for bridging, the periodic look for unbridged events
 * and, on Redis Cluster, for where the shard subscription must be.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class BridgeConfiguration implements SchedulingConfigurer {

	/** How often a listener on Redis Cluster checks where its shard subscription is. */
	private static final Duration SHARD_SUBSCRIPTION_CHECK = Duration.ofSeconds(1);

	private final ObjectProvider<UnbridgedEventSweep> sweep;

	private final ObjectProvider<EventBridge> bridge;

	private final ListenerProperties properties;

	BridgeConfiguration(ObjectProvider<UnbridgedEventSweep> sweep, ObjectProvider<EventBridge> bridge,
			ListenerProperties properties) {
		this.sweep = sweep;
		this.bridge = bridge;
		this.properties = properties;
	}

	@Bean
	SharedRedisConnection sharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		return new SharedRedisConnection(connectionFactory);
	}

	/** Refuses to start on keys of another schema or another number of partitions. */
	@Bean
	KeySchemaCheck keySchemaCheck(SharedRedisConnection sharedRedisConnection, RedisKeys keys) {
		return new KeySchemaCheck(sharedRedisConnection, keys);
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar registrar) {
		registrar.addFixedDelayTask(() -> this.sweep.getObject().bridgeOverdue(),
				this.properties.redelivery().interval());
		registrar.addFixedDelayTask(() -> this.bridge.getObject().keepShardSubscription(), SHARD_SUBSCRIPTION_CHECK);
	}

}
