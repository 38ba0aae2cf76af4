package dev.pricingengine.common.redis;

import dev.pricingengine.common.heartbeat.HeartbeatDetails;
import dev.pricingengine.common.heartbeat.HeartbeatProperties;
import dev.pricingengine.common.heartbeat.InstanceHeartbeat;
import dev.pricingengine.common.job.DeadLetterProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the key schema and the settings shared by every service; imported by each
 * service's application class.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ PricingRedisProperties.class, PartitionProperties.class, DeadLetterProperties.class,
		HeartbeatProperties.class })
public class PricingRedisConfiguration {

	@Bean
	RedisKeys redisKeys(PricingRedisProperties properties, PartitionProperties partitioning) {
		return new RedisKeys(properties.keyPrefix(), properties.eventsChannel(), partitioning.partitions());
	}

	/**
	 * This instance's heartbeat ({@code pricing.heartbeat.enabled}, on unless a test that
	 * counts Redis commands turns it off).
	 */
	@Bean
	@ConditionalOnBooleanProperty(name = "pricing.heartbeat.enabled", matchIfMissing = true)
	InstanceHeartbeat instanceHeartbeat(SharedRedisConnection sharedRedisConnection, RedisKeys keys,
			@Value("${spring.application.name}") String service, ObjectProvider<HeartbeatDetails> details,
			HeartbeatProperties properties) {
		return new InstanceHeartbeat(sharedRedisConnection, keys, service, details.orderedStream().toList(),
				properties);
	}

}
