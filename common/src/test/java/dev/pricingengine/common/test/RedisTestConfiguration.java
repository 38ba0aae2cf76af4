package dev.pricingengine.common.test;

import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * The one Redis every Spring test uses: a Testcontainers Redis bound with
 * {@code @ServiceConnection} when a Docker engine answers, otherwise a real
 * {@code redis-server} process on a free port, shared by all tests of the JVM: a cluster
 * of one node ({@link LocalRedisServer#startSingleNodeCluster()}), so that a command or
 * script whose keys span several slots fails the test that sends it. Each application
 * context gets a key prefix of its own, so no test touches keys it did not create.
 */
@TestConfiguration(proxyBeanMethods = false)
public class RedisTestConfiguration {

	/** Pinned image used when Docker is available. */
	public static final String REDIS_IMAGE = "redis:7.4.2-alpine";

	private static final Log logger = LogFactory.getLog(RedisTestConfiguration.class);

	@Bean
	@ServiceConnection(name = "redis")
	@Conditional(DockerAvailable.class)
	GenericContainer<?> redisContainer() {
		return new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
	}

	@Bean
	@Conditional(DockerUnavailable.class)
	DataRedisConnectionDetails localRedisConnectionDetails() {
		LocalRedisServer server = SharedLocalRedis.INSTANCE;
		return new DataRedisConnectionDetails() {
			@Override
			public Standalone getStandalone() {
				return Standalone.of(server.host(), server.port());
			}
		};
	}

	@Bean
	DynamicPropertyRegistrar isolatedKeyPrefix() {
		String prefix = "test-" + UUID.randomUUID() + ":";
		return (registry) -> {
			registry.add("pricing.redis.key-prefix", () -> prefix);
			registry.add("pricing.redis.events-channel", () -> prefix + "market_events");
		};
	}

	/** Whether a Docker engine answers; asked once per JVM. */
	public static boolean dockerAvailable() {
		return DockerProbe.AVAILABLE;
	}

	private static final class DockerProbe {

		static final boolean AVAILABLE = probe();

		private static boolean probe() {
			boolean available;
			try {
				available = DockerClientFactory.instance().isDockerAvailable();
			}
			catch (RuntimeException ex) {
				available = false;
			}
			if (!available) {
				logger.warn("No Docker engine answers: Redis tests run against a local redis-server process "
						+ "instead of a Testcontainers container");
			}
			return available;
		}

	}

	private static final class SharedLocalRedis {

		static final LocalRedisServer INSTANCE = startShared();

		private static LocalRedisServer startShared() {
			LocalRedisServer server = LocalRedisServer.startSingleNodeCluster();
			Runtime.getRuntime().addShutdownHook(new Thread(server::close, "local-redis-shutdown"));
			logger.info("Started a local redis-server for tests on port " + server.port()
					+ ": a cluster of one node, which refuses keys of several slots in one command or script");
			return server;
		}

	}

	static final class DockerAvailable implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return dockerAvailable();
		}

	}

	static final class DockerUnavailable implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return !dockerAvailable();
		}

	}

}
