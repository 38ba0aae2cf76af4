package dev.pricingengine.api.event;

import dev.pricingengine.common.test.ClusterRedisTestConfiguration;

import org.springframework.context.annotation.Import;

/**
 * {@link EventPublishingIntegrationTests}, every one, on a real Redis Cluster of three
 * primaries and three replicas: events published with {@code SPUBLISH} on the shard
 * channel, which counts every receiver.
 */
@Import(ClusterRedisTestConfiguration.class)
class EventPublishingClusterIntegrationTests extends EventPublishingIntegrationTests {

}
