package dev.pricingengine.worker.job;

import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.LocalRedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that requires a user and password: the standard {@code spring.data.redis.url}
 * carries them to Boot's Lettuce client and to Redisson (the lock), and neither shows the
 * password in the log.
 */
@SpringBootTest
@ExtendWith(OutputCaptureExtension.class)
class PasswordProtectedRedisIntegrationTests {

	private static final String PASSWORD = "s3cret-redis-pw-7d41";

	private static final LocalRedisServer redis = LocalRedisServer.start("requirepass " + PASSWORD);

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url",
				() -> "redis://default:" + PASSWORD + "@" + redis.host() + ":" + redis.port());
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void runsAJobUnderTheLockWithCredentialsFromTheStandardProperties(CapturedOutput output) {
		OneProductJob.runsUnderTheLock(this.redisConnection.connection().sync(), this.keys);
		assertThat(output.getAll()).doesNotContain(PASSWORD);
	}

}
