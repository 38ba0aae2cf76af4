package dev.pricingengine.api.deadletter;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class DeadLetterControllerIntegrationTests {

	private static final String ENVELOPE = "{\"event_id\":\"%s\",\"sequence\":1,\"event\":{\"type\":\"RECALCULATE\"},"
			+ "\"published_at\":\"2026-11-25T10:00:00Z\"}";

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void listsDeadLettersPageByPageAndReplaysOne() {
		String first = deadLetter("Boom 1");
		String second = deadLetter("Boom 2");
		String third = deadLetter("Boom 3");
		AtomicReference<String> next = new AtomicReference<>();
		this.client.get()
			.uri("/api/v1/dead-letters?limit=2")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items.length()")
			.isEqualTo(2)
			.jsonPath("$.items[0].job_id")
			.isEqualTo(first)
			.jsonPath("$.items[0].error")
			.isEqualTo("Boom 1")
			.jsonPath("$.items[0].event.type")
			.isEqualTo("RECALCULATE")
			.jsonPath("$.items[1].job_id")
			.isEqualTo(second)
			.jsonPath("$.next")
			.value((value) -> next.set(String.valueOf(value)));
		this.client.get()
			.uri("/api/v1/dead-letters?limit=2&after=" + next.get())
			.exchange()
			.expectBody()
			.jsonPath("$.items.length()")
			.isEqualTo(1)
			.jsonPath("$.items[0].job_id")
			.isEqualTo(third)
			.jsonPath("$.next")
			.doesNotExist();

		this.client.post()
			.uri("/api/v1/dead-letters/" + second + "/replay")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("QUEUED");
		assertThat(redis().hget(this.keys.job(second), "state")).isEqualTo("QUEUED");
		assertThat(redis().xrange(this.keys.jobStream(), Range.create("-", "+")))
			.anySatisfy((entry) -> assertThat(entry.getBody()).containsEntry("event_id", second));
		this.client.post()
			.uri("/api/v1/dead-letters/" + second + "/replay")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	/**
	 * The dead letter holds the envelope: it can be replayed, by its job id or its entry
	 * id, for as long as it is kept, whether or not its job's status is still there.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void replaysADeadLetterWhoseJobStatusIsGone(boolean byEntryId) {
		String job = deadLetter("Boom");
		String entry = redis().hget(this.keys.job(job), "dead_letter");
		redis().del(this.keys.job(job));
		this.client.post()
			.uri("/api/v1/dead-letters/" + (byEntryId ? entry : job) + "/replay")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.jsonPath("$.job_id")
			.isEqualTo(job);
		assertReplayed(job);
	}

	@Test
	void aDeadLetterThatHoldsNoEventCannotBeReplayed() {
		String entry = redis().xadd(this.keys.deadLetters(), Map.of("event_id", "malformed-0123abcd", "envelope",
				"not an envelope", "error", "Malformed message", "attempts", "0"));
		this.client.post()
			.uri("/api/v1/dead-letters/" + entry + "/replay")
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(redis().xrange(this.keys.deadLetters(), Range.create(entry, entry))).hasSize(1);
	}

	private void assertReplayed(String job) {
		Map<String, String> status = redis().hgetall(this.keys.job(job));
		assertThat(status).containsEntry("state", "QUEUED")
			.containsEntry("envelope", String.format(ENVELOPE, job))
			.containsEntry("sequence", "1")
			.containsEntry("attempts", "0")
			.containsKeys("enqueued_at", "stream_entry")
			.doesNotContainKeys("dead_letter", "error");
		assertThat(redis().pttl(this.keys.job(job))).as("expiry of the replayed job's status").isPositive();
		assertThat(redis().xrange(this.keys.jobStream(), Range.create("-", "+")))
			.anySatisfy((entry) -> assertThat(entry.getBody()).containsEntry("event_id", job)
				.containsEntry("envelope", String.format(ENVELOPE, job)));
		assertThat(redis().xrange(this.keys.deadLetters(), Range.create("-", "+")))
			.noneSatisfy((entry) -> assertThat(entry.getBody()).containsEntry("event_id", job));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/api/v1/dead-letters?limit=0", "/api/v1/dead-letters?limit=501",
			"/api/v1/dead-letters?after=yesterday", "/api/v1/dead-letters?limit=many" })
	void rejectsBadPagingWith400(String uri) {
		this.client.get().uri(uri).exchange().expectStatus().isBadRequest();
	}

	@Test
	void replayingAJobThatIsNotDeadLetteredIsA404() {
		this.client.post()
			.uri("/api/v1/dead-letters/" + UUID.randomUUID() + "/replay")
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	/**
	 * A job whose two tasks were both dead-lettered: each entry names its partition;
	 * replaying one resets that task alone (no field of its failed run left) and keeps
	 * the other's error as the job's.
	 */
	@Test
	void replayingOneOfTwoDeadLetteredTasksResetsItAndKeepsTheOthersError() {
		String job = UUID.randomUUID().toString();
		String envelope = String.format(ENVELOPE, job);
		String entry0 = redis().xadd(this.keys.deadLetters(),
				Map.of("event_id", job, "envelope", envelope, "error", "Boom in 0", "attempts", "6", "partition", "0"));
		String entry1 = redis().xadd(this.keys.deadLetters(),
				Map.of("event_id", job, "envelope", envelope, "error", "Boom in 1", "attempts", "6", "partition", "1"));
		Map<String, String> status = new HashMap<>(Map.of("state", "DEAD_LETTERED", "envelope", envelope, "partitions",
				"0,1", "attempts", "6", "error", "Boom in 1", "dead_letter", entry1, "finished_at", "2"));
		for (int partition = 0; partition < 2; partition++) {
			String prefix = "partition:" + partition + ":";
			status.putAll(Map.of(prefix + "state", "DEAD_LETTERED", prefix + "attempts", "6", prefix + "worker",
					"host-1", prefix + "fencing_token", "7", prefix + "processed", "10", prefix + "total", "20",
					prefix + "error", "Boom in " + partition, prefix + "dead_letter",
					(partition == 0) ? entry0 : entry1, prefix + "finished_at", "2"));
		}
		redis().hset(this.keys.job(job), status);
		this.client.get()
			.uri("/api/v1/dead-letters?limit=500")
			.exchange()
			.expectBody()
			.jsonPath("$.items[?(@.entry_id == '" + entry1 + "')].partition")
			.isEqualTo(1);

		this.client.post().uri("/api/v1/dead-letters/" + entry0 + "/replay").exchange().expectStatus().isAccepted();

		Map<String, String> replayed = redis().hgetall(this.keys.job(job));
		assertThat(replayed).as("the replayed task")
			.containsEntry("partition:0:state", "QUEUED")
			.containsEntry("partition:0:attempts", "0")
			.containsKey("partition:0:stream_entry")
			.doesNotContainKeys("partition:0:worker", "partition:0:fencing_token", "partition:0:processed",
					"partition:0:total", "partition:0:error", "partition:0:dead_letter", "partition:0:finished_at");
		assertThat(replayed).as("the other task and the job")
			.containsEntry("partition:1:state", "DEAD_LETTERED")
			.containsEntry("partition:1:error", "Boom in 1")
			.containsEntry("error", "Boom in 1")
			.containsEntry("dead_letter", entry1)
			.doesNotContainKey("finished_at");
		assertThat(replayed.get("state")).as("the job, one task queued and one dead-lettered").isEqualTo("RUNNING");
		assertThat(redis().xrange(this.keys.deadLetters(), Range.create(entry1, entry1))).hasSize(1);
	}

	/** What a worker records for a job that cannot succeed. */
	private String deadLetter(String error) {
		String jobId = UUID.randomUUID().toString();
		String envelope = String.format(ENVELOPE, jobId);
		String entry = redis().xadd(this.keys.deadLetters(),
				Map.of("event_id", jobId, "envelope", envelope, "error", error, "attempts", "6"));
		redis().hset(this.keys.job(jobId), Map.of("state", "DEAD_LETTERED", "envelope", envelope, "error", error,
				"attempts", "6", "dead_letter", entry));
		return jobId;
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

}
