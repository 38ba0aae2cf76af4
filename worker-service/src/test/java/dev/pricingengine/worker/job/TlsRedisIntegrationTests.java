package dev.pricingengine.worker.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.LocalRedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * A Redis that speaks only TLS, with a certificate signed by an authority of the test's
 * own, trusted through an SSL bundle ({@code spring.data.redis.ssl.bundle}): the bundle's
 * trust material reaches Boot's Lettuce client and Redisson (the lock) alike. Needs a
 * {@code redis-server} with TLS and {@code openssl} on the {@code PATH}.
 */
@SpringBootTest
@EnabledIf("dev.pricingengine.common.test.LocalRedisServer#canStartTls")
class TlsRedisIntegrationTests {

	private static Path certificates;

	private static LocalRedisServer redis;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) throws IOException {
		certificates = Files.createTempDirectory("redis-tls");
		redis = LocalRedisServer.startTls(certificates);
		registry.add("spring.data.redis.url", () -> "rediss://" + redis.host() + ":" + redis.port());
		registry.add("spring.data.redis.ssl.bundle", () -> "redis-test");
		registry.add("spring.ssl.bundle.pem.redis-test.truststore.certificate",
				() -> "file:" + redis.certificateAuthority());
	}

	@AfterAll
	static void stopRedis() {
		if (redis != null) {
			redis.close();
		}
		try {
			FileSystemUtils.deleteRecursively(certificates);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Test
	void runsAJobUnderTheLockOverTlsTrustedThroughTheSslBundle() {
		OneProductJob.runsUnderTheLock(this.redisConnection.connection().sync(), this.keys);
	}

}
