package dev.pricingengine.worker.job;

import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker configured only through {@code spring.data.redis.sentinel.*}, against a
 * primary, a replica and three sentinels of the test's own: it runs a job under the lock,
 * and after the primary is killed ({@code SIGKILL}) and the sentinels promote the
 * replica, runs the next one on the new primary (Lettuce and Redisson both follow the
 * sentinels). Outcomes are read from the servers by the test's own connections.
 */
@SpringBootTest(properties = "pricing.worker.claim-idle=2s")
class SentinelIntegrationTests {

	private static final String MASTER = "pricing-primary";

	private static final LocalRedisServer primary = LocalRedisServer.start();

	private static final LocalRedisServer replica = LocalRedisServer
		.start("replicaof " + primary.host() + " " + primary.port());

	private static final List<LocalRedisServer> sentinels = List.of(LocalRedisServer.startSentinel(MASTER, primary),
			LocalRedisServer.startSentinel(MASTER, primary), LocalRedisServer.startSentinel(MASTER, primary));

	private final RedisClient client = RedisClient.create();

	@Autowired
	private RedisKeys keys;

	@DynamicPropertySource
	static void sentinelProperties(DynamicPropertyRegistry registry) {
		awaitSentinelsAcquainted();
		registry.add("spring.data.redis.sentinel.master", () -> MASTER);
		registry.add("spring.data.redis.sentinel.nodes", () -> String.join(",",
				sentinels.stream().map((sentinel) -> sentinel.host() + ":" + sentinel.port()).toList()));
	}

	/**
	 * Waits until each sentinel knows the two others and the replica (they find each
	 * other through the primary within a few seconds); Redisson refuses to start before.
	 */
	private static void awaitSentinelsAcquainted() {
		RedisClient client = RedisClient.create();
		try {
			for (LocalRedisServer sentinel : sentinels) {
				try (StatefulRedisSentinelConnection<String, String> connection = client
					.connectSentinel(RedisURI.create(sentinel.host(), sentinel.port()))) {
					await().atMost(Duration.ofSeconds(30)).until(() -> {
						Map<String, String> master = connection.sync().master(MASTER);
						return "2".equals(master.get("num-other-sentinels")) && "1".equals(master.get("num-slaves"));
					});
				}
			}
		}
		finally {
			client.shutdown();
		}
	}

	@AfterAll
	static void stopRedis() {
		sentinels.forEach(LocalRedisServer::close);
		replica.close();
		primary.close();
	}

	@AfterEach
	void closeClient() {
		this.client.shutdown();
	}

	@Test
	void runsJobsOnThePrimaryTheSentinelsNameAcrossAFailover() {
		Product product = new Product("P-1", "C-1", new BigDecimal("10.00"), new BigDecimal("5.00"),
				new BigDecimal("20.00"));
		try (StatefulRedisConnection<String, String> connection = connect(primary.port())) {
			RedisCommands<String, String> redis = connection.sync();
			redis.hset(this.keys.product(product.id()), ProductCodec.toHash(product));
			redis.hset(this.keys.partitionFor(product.id()).category(product.category()), product.id(),
					ProductCodec.toInputs(product));
			redis.sadd(this.keys.partitionFor(product.id()).categories(), product.category());
			String job = enqueue(redis, MarketEvent.RECALCULATE, 1);
			awaitSucceeded(redis, job);
			assertThat(redis.get(this.keys.price(product.id()))).startsWith("10.00|10.00|");
			// the replica has it all before the primary goes
			assertThat(redis.waitForReplication(1, 5000)).isEqualTo(1);
		}

		primary.kill();
		int promoted = awaitPromotion();
		assertThat(promoted).isEqualTo(replica.port());

		try (StatefulRedisConnection<String, String> connection = connect(promoted)) {
			RedisCommands<String, String> redis = connection.sync();
			String job = enqueue(redis,
					new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.2"), null, null, null), 2);
			awaitSucceeded(redis, job);
			assertThat(redis.get(this.keys.price(product.id()))).startsWith("12.00|10.00|");
		}
	}

	private StatefulRedisConnection<String, String> connect(int port) {
		return this.client.connect(RedisURI.create("127.0.0.1", port));
	}

	/**
	 * The port of the primary all sentinels name, once it is no longer the killed one.
	 */
	private int awaitPromotion() {
		int[] promoted = new int[1];
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (LocalRedisServer sentinel : sentinels) {
				try (StatefulRedisSentinelConnection<String, String> connection = this.client
					.connectSentinel(RedisURI.create(sentinel.host(), sentinel.port()))) {
					InetSocketAddress address = (InetSocketAddress) connection.sync().getMasterAddrByName(MASTER);
					if (address.getPort() == primary.port()) {
						return false;
					}
					promoted[0] = address.getPort();
				}
			}
			return true;
		});
		return promoted[0];
	}

	private String enqueue(RedisCommands<String, String> redis, MarketEvent event, long sequence) {
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), sequence, event, Instant.now());
		String json = EnvelopeCodec.encode(envelope);
		redis.hset(this.keys.job(envelope.eventId()),
				Map.of("state", "QUEUED", "envelope", json, "sequence", String.valueOf(sequence)));
		redis.xadd(this.keys.jobStream(), Map.of("event_id", envelope.eventId(), "envelope", json));
		return this.keys.job(envelope.eventId());
	}

	private void awaitSucceeded(RedisCommands<String, String> redis, String job) {
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(redis.hget(job, "state")).isEqualTo("SUCCEEDED"));
		assertThat(redis.hget(job, "fencing_token")).isNotNull();
	}

}
