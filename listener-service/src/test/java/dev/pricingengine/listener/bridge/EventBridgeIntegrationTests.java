package dev.pricingengine.listener.bridge;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.RedisTestConfiguration;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pricing.listener.redelivery.after=1s", "pricing.listener.redelivery.interval=100ms" })
@AutoConfigureWebTestClient
@Import(RedisTestConfiguration.class)
class EventBridgeIntegrationTests {

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private WebTestClient client;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private EventBridge bridge;

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@BeforeEach
	void awaitSubscription() {
		await().atMost(Duration.ofSeconds(10)).until(this.bridge::isSubscribed);
	}

	@Test
	void bridgesAnEventOntoTheJobStreamOnceHoweverOftenItArrives() {
		EventEnvelope envelope = envelope(
				new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.15"), "C-3", null, null));
		String json = EnvelopeCodec.encode(envelope);
		long duplicatesBefore = count("duplicate");
		// Two listener replicas would each receive it once; one listener receiving it
		// twice
		// goes through the same dedupe.
		assertThat(publish(json)).isEqualTo(1);
		assertThat(publish(json)).isEqualTo(1);

		await().atMost(Duration.ofSeconds(5)).until(() -> count("duplicate") == duplicatesBefore + 1);
		List<StreamMessage<String, String>> entries = redis().xrange(this.keys.jobStream(), Range.create("-", "+"));
		assertThat(entries).filteredOn((entry) -> envelope.eventId().equals(entry.getBody().get("event_id")))
			.singleElement()
			.satisfies((entry) -> assertThat(entry.getBody()).containsEntry("envelope", json));
		Map<String, String> job = redis().hgetall(this.keys.job(envelope.eventId()));
		assertThat(job).containsEntry("state", "QUEUED")
			.containsEntry("sequence", "42")
			.containsEntry("attempts", "0")
			.containsEntry("envelope", json)
			.containsKey("enqueued_at");
		assertThat(Long.parseLong(job.get("enqueued_at"))).isCloseTo(System.currentTimeMillis(),
				Offset.offset(60_000L));
		assertThat(redis().pttl(this.keys.job(envelope.eventId()))).isPositive();
	}

	@Test
	void bridgingForgetsTheEventTheApiKeptUnbridged() {
		EventEnvelope envelope = envelope(MarketEvent.RECALCULATE);
		String json = EnvelopeCodec.encode(envelope);
		keepUnbridged(envelope.eventId(), json, System.currentTimeMillis());
		assertThat(publish(json)).isEqualTo(1);

		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(
					() -> assertThat(redis().hget(this.keys.job(envelope.eventId()), "state")).isEqualTo("QUEUED"));
		assertThat(redis().zscore(this.keys.unbridgedEvents(), envelope.eventId())).isNull();
		assertThat(redis().hexists(this.keys.unbridgedEnvelopes(), envelope.eventId())).isFalse();
	}

	/**
	 * An event published while the listeners that received it died before bridging it:
	 * only its kept envelope remains, and it is bridged once it is overdue.
	 */
	@Test
	void bridgesAnAcceptedEventWhoseReceiversDiedBeforeBridgingIt() {
		long redeliveredBefore = count("redelivered");
		EventEnvelope stranded = envelope(
				new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.2"), null, "P-3", null));
		String json = EnvelopeCodec.encode(stranded);
		long publishedAt = RedisClock.millis(redis());
		keepUnbridged(stranded.eventId(), json, publishedAt);
		EventEnvelope malformedKept = envelope(MarketEvent.RECALCULATE);
		keepUnbridged(malformedKept.eventId(), "{\"event_id\":\"" + malformedKept.eventId() + "\"}", publishedAt);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(redis().hget(this.keys.job(stranded.eventId()), "state")).isEqualTo("QUEUED"));
		assertThat(redis().xrange(this.keys.jobStream(), Range.create("-", "+")))
			.filteredOn((entry) -> stranded.eventId().equals(entry.getBody().get("event_id")))
			.singleElement()
			.satisfies((entry) -> assertThat(EnvelopeCodec.decode(entry.getBody().get("envelope")).event())
				.isEqualTo(stranded.event()));
		assertThat(count("redelivered")).isEqualTo(redeliveredBefore + 1);
		assertThat(redis().zscore(this.keys.unbridgedEvents(), stranded.eventId())).isNull();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(redis().zscore(this.keys.unbridgedEvents(), malformedKept.eventId()))
				.as("a kept envelope that is no event is dead-lettered and forgotten")
				.isNull());
		assertThat(redis().hexists(this.keys.unbridgedEnvelopes(), malformedKept.eventId())).isFalse();
	}

	/**
	 * The listener forwards what it received in the context it processes the event in:
	 * the publisher's trace and baggage, as the configured propagators carry them (here
	 * W3C Trace Context and Baggage, with the API's no-op tracer, which passes the
	 * received span context on).
	 */
	@Test
	void forwardsThePublishersTraceAndBaggageOntoTheJobStream() {
		GlobalOpenTelemetry.resetForTest();
		GlobalOpenTelemetry.set(OpenTelemetry.propagating(ContextPropagators.create(TextMapPropagator
			.composite(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()))));
		try {
			String traceId = "0af7651916cd43dd8448eb211c80319c";
			EventEnvelope published = new EventEnvelope(UUID.randomUUID().toString(), 42, MarketEvent.RECALCULATE,
					Instant.now(),
					Map.of("traceparent", "00-" + traceId + "-b7ad6b7169203331-01", "baggage", "tenant=acme"));
			assertThat(publish(EnvelopeCodec.encode(published))).isEqualTo(1);

			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(redis().hget(this.keys.job(published.eventId()), "state"))
					.isEqualTo("QUEUED"));
			Map<String, String> job = redis().hgetall(this.keys.job(published.eventId()));
			assertThat(job).containsEntry("trace_id", traceId);
			assertThat(EnvelopeCodec.decode(job.get("envelope")).traceContext()).containsEntry("baggage", "tenant=acme")
				.hasEntrySatisfying("traceparent", (traceparent) -> assertThat(traceparent).contains(traceId));
		}
		finally {
			GlobalOpenTelemetry.resetForTest();
		}
	}

	/** What the API's publish script keeps of an event it published. */
	private void keepUnbridged(String eventId, String json, long publishedAtMillis) {
		redis().zadd(this.keys.unbridgedEvents(), publishedAtMillis, eventId);
		redis().hset(this.keys.unbridgedEnvelopes(), eventId, json);
	}

	@Test
	void countsAndDeadLettersMalformedMessagesAndKeepsBridging() {
		long malformedBefore = count("malformed");
		long bridgedBefore = count("bridged");
		String garbage = "not json " + UUID.randomUUID();
		publish(garbage);
		publish("{\"event_id\":\"x\",\"sequence\":1}");
		publish("{\"event_id\":\"y\",\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"event\":{\"type\":\"NOPE\"}}");
		EventEnvelope valid = envelope(MarketEvent.RECALCULATE);
		publish(EnvelopeCodec.encode(valid));

		await().atMost(Duration.ofSeconds(5)).until(() -> count("bridged") == bridgedBefore + 1);
		assertThat(count("malformed")).isEqualTo(malformedBefore + 3);
		assertThat(redis().hget(this.keys.job(valid.eventId()), "state")).isEqualTo("QUEUED");
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(redis().xrange(this.keys.deadLetters(), Range.create("-", "+")))
				.filteredOn((entry) -> garbage.equals(entry.getBody().get("envelope")))
				.singleElement()
				.satisfies((entry) -> assertThat(entry.getBody()).containsEntry("attempts", "0")
					.hasEntrySatisfying("event_id", (id) -> assertThat(id).startsWith("malformed-"))
					.hasEntrySatisfying("error", (error) -> assertThat(error).startsWith("Malformed message"))));
	}

	@Test
	void readinessIncludesTheSubscription() {
		this.client.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.eventSubscription.status")
			.isEqualTo("UP")
			.jsonPath("$.components.redis.status")
			.isEqualTo("UP");
	}

	private static EventEnvelope envelope(MarketEvent event) {
		return new EventEnvelope(UUID.randomUUID().toString(), 42, event, Instant.now());
	}

	private long count(String outcome) {
		return (long) this.meters.get("pricing.listener.events").tag("outcome", outcome).counter().count();
	}

	/**
	 * Publishes as the API does: on Redis Cluster with {@code SPUBLISH} on the shard
	 * channel.
	 */
	private long publish(String message) {
		return this.connectionFactory.isClusterAware() ? redis().spublish(this.keys.shardedEventsChannel(), message)
				: redis().publish(this.keys.eventsChannel(), message);
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

}
