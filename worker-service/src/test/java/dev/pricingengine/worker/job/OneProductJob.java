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
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The smallest whole job, for tests of how a worker reaches Redis (credentials, TLS): a
 * one-product catalog, a full recalculation queued as a listener queues it, and its
 * outcome as Redis holds it.
 */
final class OneProductJob {

	private OneProductJob() {
	}

	/**
	 * Queues the job and asserts that a worker ran it under the lock and wrote the price.
	 * @param redis commands on the worker's Redis
	 * @param keys the worker's key schema
	 */
	static void runsUnderTheLock(RedisClusterCommands<String, String> redis, RedisKeys keys) {
		Product product = new Product("P-1", "C-1", new BigDecimal("10.00"), new BigDecimal("5.00"),
				new BigDecimal("20.00"));
		redis.hset(keys.product(product.id()), ProductCodec.toHash(product));
		redis.hset(keys.partitionFor(product.id()).category(product.category()), product.id(),
				ProductCodec.toInputs(product));
		redis.sadd(keys.partitionFor(product.id()).categories(), product.category());
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), 1, MarketEvent.RECALCULATE,
				Instant.now());
		String json = EnvelopeCodec.encode(envelope);
		String job = keys.job(envelope.eventId());
		redis.hset(job, Map.of("state", "QUEUED", "envelope", json, "sequence", "1"));
		redis.xadd(keys.jobStream(), Map.of("event_id", envelope.eventId(), "envelope", json));

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(redis.hget(job, "state")).isEqualTo("SUCCEEDED"));
		assertThat(redis.hget(job, "fencing_token")).isNotNull();
		assertThat(redis.get(keys.price(product.id()))).startsWith("10.00|10.00|");
	}

}
