package dev.pricingengine.common.test;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Imported beside {@link RedisTestConfiguration}, makes a test's Redis a real Redis
 * Cluster: three primaries and three replicas ({@link LocalRedisCluster}), started once
 * per JVM, which the services reach through {@code spring.data.redis.cluster.nodes} as
 * users configure them (cluster client, topology refresh, sharded Pub/Sub). The intake
 * and the pricing data hash to slots of different primaries, so every path between them
 * crosses nodes.
 */
@TestConfiguration(proxyBeanMethods = false)
public class ClusterRedisTestConfiguration {

	private static final Log logger = LogFactory.getLog(ClusterRedisTestConfiguration.class);

	@Bean
	@Primary
	DataRedisConnectionDetails clusterRedisConnectionDetails() {
		LocalRedisCluster cluster = SharedCluster.INSTANCE;
		List<DataRedisConnectionDetails.Node> nodes = cluster.nodeAddresses().stream().map((address) -> {
			String[] hostAndPort = address.split(":");
			return new DataRedisConnectionDetails.Node(hostAndPort[0], Integer.parseInt(hostAndPort[1]));
		}).toList();
		return new DataRedisConnectionDetails() {

			@Override
			public Cluster getCluster() {
				return () -> nodes;
			}

		};
	}

	/** The JVM's shared cluster. */
	public static LocalRedisCluster sharedCluster() {
		return SharedCluster.INSTANCE;
	}

	private static final class SharedCluster {

		static final LocalRedisCluster INSTANCE = startShared();

		private static LocalRedisCluster startShared() {
			LocalRedisCluster cluster = LocalRedisCluster.start(3);
			Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-redis-cluster-shutdown"));
			logger.info("Started a local Redis Cluster for tests: " + cluster.nodes());
			return cluster;
		}

	}

}
