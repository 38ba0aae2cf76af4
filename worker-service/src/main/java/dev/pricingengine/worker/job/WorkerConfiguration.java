package dev.pricingengine.worker.job;

import java.util.List;

import dev.pricingengine.common.redis.KeySchemaCheck;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.redis.TransientRedisErrors;
import dev.pricingengine.worker.marketdata.ExternalApiTimeoutException;
import dev.pricingengine.worker.recalc.FencedOutException;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisLoadingException;
import org.redisson.client.RedisMasterDownException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.RedisTryAgainException;
import org.redisson.config.Config;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;

import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The worker's Redis clients and retry policy.
 */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

	/** Errors besides Lettuce's transient ones that a job is tried again after. */
	private static final List<Class<? extends Throwable>> RETRIED = List.of(
			org.redisson.client.RedisConnectionException.class, RedisTimeoutException.class,
			RedisMasterDownException.class, RedisLoadingException.class, RedisReadonlyException.class,
			RedisTryAgainException.class, ExternalApiTimeoutException.class, FencedOutException.class);

	/**
	 * Redis connections Redisson may open for the lock (taken, renewed, released) beyond
	 * one per consumer thread.
	 */
	private static final int SPARE_LOCK_CONNECTIONS = 2;

	/**
	 * No per-command latency samples on the worker's Lettuce client: a recalculation
	 * sends hundreds of thousands of commands a second, and per-command instrumentation
	 * cost more of the client's event loop than the commands themselves (JFR). For the
	 * same reason application.yml excludes Boot's per-command Lettuce observation.
	 */
	@Bean
	ClientResourcesBuilderCustomizer noCommandLatencyRecorder() {
		return (builder) -> builder.commandLatencyRecorder(CommandLatencyRecorder.disabled());
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

	/**
	 * Redisson, for the fenced lock, on the same Redis as everything else: built from
	 * Spring Boot's Redis connection details, so {@code spring.data.redis.*} (user,
	 * password, TLS with an SSL bundle's trust and key material, a Sentinel's master name
	 * and nodes, a cluster's nodes) configures it too. Its lock watchdog renews the
	 * lock's lease ({@code pricing.worker.lock-lease}) while the holder lives. It serves
	 * only the lock, so it gets two threads of each kind and a few connections (its
	 * defaults, 32 Netty threads and 24 idle connections, are sized for an application
	 * doing all its Redis work through it).
	 */
	@Bean(destroyMethod = "shutdown")
	RedissonClient redissonClient(DataRedisConnectionDetails connection, DataRedisProperties redisProperties,
			WorkerProperties properties) {
		// No WAIT for replicas after taking the lock: with a replica that
		// died (the old primary after a failover, still listed by the
		// sentinels) every attempt failed ("None of slaves were synced").
		// A lock lost in a failover is what the fencing token is for: the
		// token counter and the price fence replicate in order, so a fence
		// a promoted replica holds never exceeds its counter.
		Config config = new Config().setLockWatchdogTimeout(properties.lockLease().toMillis())
			.setCheckLockSyncedSlaves(false)
			.setNettyThreads(2)
			.setThreads(2);
		SslBundle ssl = connection.getSslBundle();
		String url = redisProperties.getUrl();
		boolean tls = ssl != null || (url != null && url.startsWith("rediss:"));
		String scheme = tls ? "rediss://" : "redis://";
		if (ssl != null) {
			// the bundle's trust (a private CA) and client key, as Boot gives Lettuce
			config.setSslTrustManagerFactory(ssl.getManagers().getTrustManagerFactory())
				.setSslKeyManagerFactory(ssl.getManagers().getKeyManagerFactory());
			if (ssl.getOptions().getEnabledProtocols() != null) {
				config.setSslProtocols(ssl.getOptions().getEnabledProtocols());
			}
			if (ssl.getOptions().getCiphers() != null) {
				config.setSslCiphers(ssl.getOptions().getCiphers());
			}
		}
		int connections = properties.concurrency() + SPARE_LOCK_CONNECTIONS;
		BaseConfig<?> servers;
		DataRedisConnectionDetails.Sentinel sentinel = connection.getSentinel();
		DataRedisConnectionDetails.Cluster cluster = connection.getCluster();
		if (cluster != null) {
			ClusterServersConfig clusterServers = config.useClusterServers()
				.setReadMode(ReadMode.MASTER)
				.setMasterConnectionMinimumIdleSize(1)
				.setMasterConnectionPoolSize(connections)
				.setSlaveConnectionMinimumIdleSize(1)
				.setSlaveConnectionPoolSize(1);
			cluster.getNodes()
				.forEach((node) -> clusterServers.addNodeAddress(scheme + node.host() + ":" + node.port()));
			servers = clusterServers;
		}
		else if (sentinel != null) {
			SentinelServersConfig sentinelServers = config.useSentinelServers()
				.setMasterName(sentinel.getMaster())
				.setDatabase(sentinel.getDatabase())
				.setSentinelUsername(sentinel.getUsername())
				.setSentinelPassword(sentinel.getPassword())
				.setReadMode(ReadMode.MASTER)
				.setMasterConnectionMinimumIdleSize(1)
				.setMasterConnectionPoolSize(connections)
				.setSlaveConnectionMinimumIdleSize(1)
				.setSlaveConnectionPoolSize(1);
			sentinel.getNodes()
				.forEach((node) -> sentinelServers.addSentinelAddress(scheme + node.host() + ":" + node.port()));
			servers = sentinelServers;
		}
		else {
			DataRedisConnectionDetails.Standalone standalone = connection.getStandalone();
			servers = config.useSingleServer()
				.setConnectionMinimumIdleSize(1)
				.setConnectionPoolSize(connections)
				.setAddress(scheme + standalone.getHost() + ":" + standalone.getPort())
				.setDatabase(standalone.getDatabase());
		}
		if (connection.getUsername() != null) {
			servers.setUsername(connection.getUsername());
		}
		if (connection.getPassword() != null) {
			servers.setPassword(connection.getPassword());
		}
		return Redisson.create(config);
	}

	/**
	 * Spring Framework's retry: transient Redis failures (Lettuce's and, for the lock,
	 * Redisson's: lost connections, timeouts, a failover in progress, a cluster without a
	 * primary for some slots), market-data timeouts and a lost lock (fenced out) only.
	 */
	@Bean
	RetryTemplate jobRetryTemplate(WorkerProperties properties) {
		WorkerProperties.Retry retry = properties.retry();
		return new RetryTemplate(RetryPolicy.builder()
			.maxRetries(retry.maxRetries())
			.delay(retry.initialDelay())
			.multiplier(retry.multiplier())
			.maxDelay(retry.maxDelay())
			.jitter(retry.jitter())
			.predicate((ex) -> TransientRedisErrors.isTransient(ex) || TransientRedisErrors.anyCause(ex,
					(cause) -> RETRIED.stream().anyMatch((type) -> type.isInstance(cause))))
			.build());
	}

}
