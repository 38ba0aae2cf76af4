package dev.pricingengine.worker.job;

import dev.pricingengine.common.test.ClusterRedisTestConfiguration;

import org.springframework.context.annotation.Import;

/**
 * {@link WorkerIntegrationTests}, every one, on a real Redis Cluster of three primaries
 * and three replicas: the worker's cluster connections, its Redisson lock on the cluster,
 * and the intake and pricing data on different primaries.
 */
@Import(ClusterRedisTestConfiguration.class)
class WorkerClusterIntegrationTests extends WorkerIntegrationTests {

}
