package dev.pricingengine.worker.job;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.RedisTestConfiguration;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consumer group's own guarantees against a real Redis, with two consumers and a
 * short {@code claim-idle}: a live worker's job is never taken over, and the workers
 * recover by themselves from a job stream Redis lost, without a hot error loop, and are
 * not ready while they cannot consume.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pricing.worker.concurrency=2", "pricing.worker.claim-idle=1s",
				"pricing.worker.retry.initial-delay=10ms", "pricing.worker.retry.max-delay=50ms",
				"pricing.worker.job-stream-retention=1s", "pricing.worker.trim-interval=200ms",
				"pricing.dead-letters.retention=3s" })
@AutoConfigureWebTestClient
@Import(RedisTestConfiguration.class)
class JobStreamConsumerIntegrationTests {

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private WebTestClient client;

	private long sequence = 1;

	@AfterEach
	void clearFaults() {
		redis().del(this.keys.faults());
	}

	/**
	 * A job that runs four times longer than {@code claim-idle}: the other consumer must
	 * not take it over while its worker lives. The test records every start it sees in
	 * the job status; a takeover would start the job again under the other consumer.
	 */
	@Test
	void aLiveWorkersJobIsNotTakenOverHoweverLongItRuns() {
		redis().hset(this.keys.faults(), new FaultSettings(0, 4000, 0).toHash());
		double outcomesBefore = outcomes();
		String job = enqueue(MarketEvent.RECALCULATE);
		Set<String> starts = new LinkedHashSet<>();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
			Map<String, String> status = redis().hgetall(this.keys.job(job));
			if (status.containsKey("started_at")) {
				starts.add(status.get("worker") + "@" + status.get("started_at"));
			}
			return "SUCCEEDED".equals(status.get("state"));
		});
		redis().del(this.keys.faults());
		await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
		assertThat(starts).as("starts of the job").hasSize(1);
		assertThat(outcomes() - outcomesBefore).as("outcomes recorded for one job").isEqualTo(1);
	}

	/**
	 * What a Redis restarted without persistence, a failover to an empty replica or an
	 * operator's {@code DEL} leaves: no stream and no consumer group.
	 */
	@Test
	void theWorkersRecreateTheirGroupWhenTheJobStreamIsGone() {
		assertThat(finishedState(enqueue(MarketEvent.RECALCULATE))).isEqualTo("SUCCEEDED");
		long errorsBefore = errors("NOGROUP");
		redis().del(this.keys.jobStream());
		String job = enqueue(MarketEvent.RECALCULATE);
		assertThat(finishedState(job)).isEqualTo("SUCCEEDED");
		assertThat(errors("NOGROUP") - errorsBefore).as("NOGROUP errors until the group was recreated").isLessThan(10);
	}

	/**
	 * A failure that lasts (here the job stream's key holds a string): the consumers back
	 * off instead of looping on the error, are not ready meanwhile, and resume once it is
	 * gone.
	 */
	@Test
	void theWorkersBackOffAndAreNotReadyWhileTheyCannotConsume() {
		redis().del(this.keys.jobStream());
		redis().set(this.keys.jobStream(), "not a stream");
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> readiness().equals("DOWN"));
			long errorsBefore = errors("WRONGTYPE");
			await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
			assertThat(errors("WRONGTYPE") - errorsBefore).as("failed commands of two consumers in 3 s").isLessThan(20);
			assertThat(readiness()).isEqualTo("DOWN");
		}
		finally {
			redis().del(this.keys.jobStream());
		}
		String job = enqueue(MarketEvent.RECALCULATE);
		assertThat(finishedState(job)).isEqualTo("SUCCEEDED");
		await().atMost(Duration.ofSeconds(10)).until(() -> readiness().equals("UP"));
	}

	/**
	 * Entries are trimmed once past their retention, but never one still pending with a
	 * consumer or not yet delivered to every group. The stream here is the test's own,
	 * with entries from 1970 (long past any retention).
	 */
	@Test
	void trimmingKeepsPendingAndUndeliveredEntries() {
		String stream = this.keys.prefix() + "{trim-test}";
		String deadLetters = this.keys.prefix() + "{trim-test}:dead";
		for (int i = 1; i <= 10; i++) {
			redis().xadd(stream, new XAddArgs().id("1000-" + i), Map.of("n", String.valueOf(i)));
			redis().xadd(deadLetters, new XAddArgs().id("1000-" + i), Map.of("n", String.valueOf(i)));
		}
		redis().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), "workers");
		List<StreamMessage<String, String>> delivered = redis().xreadgroup(Consumer.from("workers", "c"),
				XReadArgs.Builder.count(5), XReadArgs.StreamOffset.lastConsumed(stream));
		redis().xack(stream, "workers", delivered.get(0).getId(), delivered.get(1).getId());

		trim(stream, deadLetters);
		assertThat(ids(stream)).as("1, 2 acknowledged; 3-5 pending; 6-10 undelivered")
			.containsExactly("1000-3", "1000-4", "1000-5", "1000-6", "1000-7", "1000-8", "1000-9", "1000-10");
		assertThat(ids(deadLetters)).as("dead letters past their retention").isEmpty();

		redis().xack(stream, "workers", "1000-3", "1000-4", "1000-5");
		trim(stream, deadLetters);
		assertThat(ids(stream)).containsExactly("1000-6", "1000-7", "1000-8", "1000-9", "1000-10");
		redis().del(stream, deadLetters);
	}

	/**
	 * A long run of events: the job stream and the dead-letter stream stay bounded by
	 * their retention instead of growing with every event.
	 */
	@Test
	void theStreamsStayBoundedUnderALongRunOfEvents() {
		int events = 300;
		long longest = 0;
		for (int i = 0; i < events; i++) {
			// a base price of an unknown product: a job that ends as a dead letter
			assertThat(finishedState(
					enqueue(new MarketEvent(MarketEventType.BASE_PRICE, null, null, "P-unknown-" + i, BigDecimal.TEN))))
				.isEqualTo("DEAD_LETTERED");
			if (i > events / 2) {
				longest = Math.max(longest, redis().xlen(this.keys.jobStream()));
			}
		}
		assertThat(longest).as("longest job stream in the second half of %d events", events).isLessThan(events / 2);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(redis().xlen(this.keys.deadLetters())).as("dead letters").isLessThan(events / 2));
	}

	private void trim(String stream, String deadLetters) {
		LuaScript.fromClasspath("scripts/trim-streams.lua")
			.call(redis(), ScriptOutputType.MULTI, new String[] { stream, deadLetters }, "1000", "1000");
	}

	private List<String> ids(String stream) {
		return redis().xrange(stream, Range.create("-", "+")).stream().map(StreamMessage::getId).toList();
	}

	private String readiness() {
		Map<?, ?> body = this.client.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return String.valueOf(body.get("status"));
	}

	/** Commands the server answered with an error of this prefix (all clients). */
	private long errors(String prefix) {
		Matcher count = Pattern.compile("errorstat_" + prefix + ":count=(\\d+)").matcher(redis().info("errorstats"));
		return count.find() ? Long.parseLong(count.group(1)) : 0;
	}

	private long pending() {
		return redis().xpending(this.keys.jobStream(), "workers").getCount();
	}

	private double outcomes() {
		return this.meters.find("pricing.worker.jobs").counters().stream().mapToDouble(Counter::count).sum();
	}

	private String finishedState(String job) {
		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> Set.of("SUCCEEDED", "COALESCED", "DEAD_LETTERED")
				.contains(String.valueOf(redis().hget(this.keys.job(job), "state"))));
		return redis().hget(this.keys.job(job), "state");
	}

	/** What the listener does for an event: a stream entry and a QUEUED status. */
	private String enqueue(MarketEvent event) {
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), this.sequence++, event, Instant.now());
		String json = EnvelopeCodec.encode(envelope);
		redis().hset(this.keys.job(envelope.eventId()), Map.of("state", "QUEUED", "envelope", json, "sequence",
				String.valueOf(envelope.sequence()), "attempts", "0"));
		redis().xadd(this.keys.jobStream(), Map.of("event_id", envelope.eventId(), "envelope", json));
		return envelope.eventId();
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

}
