package dev.pricingengine.api.price;

import dev.pricingengine.common.test.ClusterRedisTestConfiguration;

import org.springframework.context.annotation.Import;

/**
 * {@link PriceApiIntegrationTests}, every one, on a real Redis Cluster of three primaries
 * and three replicas: prices read from the primary serving their slot, over a connection
 * that primary tracks (its invalidations keep the memory cache fresh).
 */
@Import(ClusterRedisTestConfiguration.class)
class PriceApiClusterIntegrationTests extends PriceApiIntegrationTests {

}
