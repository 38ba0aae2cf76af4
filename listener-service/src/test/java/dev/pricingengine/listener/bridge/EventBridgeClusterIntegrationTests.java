package dev.pricingengine.listener.bridge;

import dev.pricingengine.common.test.ClusterRedisTestConfiguration;

import org.springframework.context.annotation.Import;

/**
 * {@link EventBridgeIntegrationTests}, every one, on a real Redis Cluster of three
 * primaries and three replicas: events arrive on the shard channel ({@code SSUBSCRIBE} on
 * the primary serving the intake's slot), which is what {@code SPUBLISH} counts.
 */
@Import(ClusterRedisTestConfiguration.class)
class EventBridgeClusterIntegrationTests extends EventBridgeIntegrationTests {

}
