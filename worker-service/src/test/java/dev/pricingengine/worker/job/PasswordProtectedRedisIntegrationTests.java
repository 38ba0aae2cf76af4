package dev.pricingengine.worker.job;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.api.sync.RedisCommands;
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
import static org.awaitility.Awaitility.await;

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
		RedisCommands<String, String> redis = this.redisConnection.connection().sync();
		Product product = new Product("P-1", "C-1", new BigDecimal("10.00"), new BigDecimal("5.00"),
				new BigDecimal("20.00"));
		redis.hset(this.keys.product(product.id()), ProductCodec.toHash(product));
		redis.hset(this.keys.category(product.category()), product.id(), ProductCodec.toInputs(product));
		redis.sadd(this.keys.categories(), product.category());
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), 1, MarketEvent.RECALCULATE,
				Instant.now());
		String json = EnvelopeCodec.encode(envelope);
		redis.hset(this.keys.job(envelope.eventId()), Map.of("state", "QUEUED", "envelope", json, "sequence", "1"));
		redis.xadd(this.keys.jobStream(), Map.of("event_id", envelope.eventId(), "envelope", json));

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(
					() -> assertThat(redis.hget(this.keys.job(envelope.eventId()), "state")).isEqualTo("SUCCEEDED"));
		assertThat(redis.hget(this.keys.job(envelope.eventId()), "fencing_token")).isNotNull();
		assertThat(redis.get(this.keys.price(product.id()))).startsWith("10.00|10.00|");
		assertThat(output.getAll()).doesNotContain(PASSWORD);
	}

}
