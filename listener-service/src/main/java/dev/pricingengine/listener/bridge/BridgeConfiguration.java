package dev.pricingengine.listener.bridge;

import dev.pricingengine.common.redis.LegacyKeySchemaCheck;
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
 * The listener's Redis connection for bridging, and the periodic look for unbridged
 * events.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class BridgeConfiguration implements SchedulingConfigurer {

	private final ObjectProvider<UnbridgedEventSweep> sweep;

	private final ListenerProperties properties;

	BridgeConfiguration(ObjectProvider<UnbridgedEventSweep> sweep, ListenerProperties properties) {
		this.sweep = sweep;
		this.properties = properties;
	}

	@Bean
	SharedRedisConnection sharedRedisConnection(LettuceConnectionFactory connectionFactory) {
		return new SharedRedisConnection(connectionFactory);
	}

	/** Refuses to start on keys named as before the key schema's hash tags. */
	@Bean
	LegacyKeySchemaCheck legacyKeySchemaCheck(SharedRedisConnection sharedRedisConnection, RedisKeys keys) {
		return new LegacyKeySchemaCheck(sharedRedisConnection, keys);
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar registrar) {
		registrar.addFixedDelayTask(() -> this.sweep.getObject().bridgeOverdue(),
				this.properties.redelivery().interval());
	}

}
