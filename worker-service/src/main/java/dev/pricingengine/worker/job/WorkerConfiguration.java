package dev.pricingengine.worker.job;

import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.worker.marketdata.ExternalApiTimeoutException;
import dev.pricingengine.worker.recalc.FencedOutException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;

import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
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

	/**
	 * Redisson, for the fenced lock, on the same Redis as everything else: built from
	 * Spring Boot's Redis connection details, so {@code spring.data.redis.*} (user,
	 * password, TLS) configures it too. Its lock watchdog renews the lock's lease
	 * ({@code pricing.worker.lock-lease}) while the holder lives. It serves only the
	 * lock, so it gets two threads of each kind and a few connections (its defaults, 32
	 * Netty threads and 24 idle connections, are sized for an application doing all its
	 * Redis work through it).
	 */
	@Bean(destroyMethod = "shutdown")
	RedissonClient redissonClient(DataRedisConnectionDetails connection, WorkerProperties properties) {
		DataRedisConnectionDetails.Standalone standalone = connection.getStandalone();
		if (standalone == null) {
			throw new IllegalStateException("The worker's lock supports a standalone Redis for now");
		}
		Config config = new Config().setLockWatchdogTimeout(properties.lockLease().toMillis())
			.setNettyThreads(2)
			.setThreads(2);
		SingleServerConfig server = config.useSingleServer()
			.setConnectionMinimumIdleSize(1)
			.setConnectionPoolSize(properties.concurrency() + SPARE_LOCK_CONNECTIONS)
			.setAddress(((connection.getSslBundle() != null) ? "rediss://" : "redis://") + standalone.getHost() + ":"
					+ standalone.getPort())
			.setDatabase(standalone.getDatabase());
		if (connection.getUsername() != null) {
			server.setUsername(connection.getUsername());
		}
		if (connection.getPassword() != null) {
			server.setPassword(connection.getPassword());
		}
		return Redisson.create(config);
	}

	/**
	 * Spring Framework's retry: transient Redis failures, market-data timeouts and a lost
	 * lock (fenced out) only.
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
			.includes(RedisConnectionException.class, RedisCommandTimeoutException.class,
					ExternalApiTimeoutException.class, FencedOutException.class)
			.build());
	}

}
