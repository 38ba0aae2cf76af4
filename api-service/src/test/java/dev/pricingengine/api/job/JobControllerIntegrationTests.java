package dev.pricingengine.api.job;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Job status as stored in the job hash: a complete status is answered as it is; a hash
 * that is not one (a late status write recreated the hash after it expired, or it cannot
 * be read) is answered like an unknown job, as a problem detail.
 */
@ApiIntegrationTest
class JobControllerIntegrationTests {

	private static final String ENVELOPE = "{\"event_id\":\"%s\",\"sequence\":42,\"event\":{\"type\":\"DEMAND_FACTOR\","
			+ "\"factor\":1.15,\"category\":\"C-3\"},\"published_at\":\"2026-11-25T10:00:00Z\"}";

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void answersACompleteStatus() {
		String jobId = UUID.randomUUID().toString();
		store(jobId,
				Map.of(JobFields.STATE, "RUNNING", JobFields.ENVELOPE, ENVELOPE.formatted(jobId), JobFields.SEQUENCE,
						"42", JobFields.ATTEMPTS, "1", JobFields.PROCESSED, "12", JobFields.TOTAL, "40",
						JobFields.ENQUEUED_AT, "1795600800000", JobFields.SKIPPED, "P-bad"));
		this.client.get()
			.uri("/api/v1/jobs/{id}", jobId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.job_id")
			.isEqualTo(jobId)
			.jsonPath("$.state")
			.isEqualTo("RUNNING")
			.jsonPath("$.sequence")
			.isEqualTo(42)
			.jsonPath("$.event.category")
			.isEqualTo("C-3")
			.jsonPath("$.processed")
			.isEqualTo(12)
			.jsonPath("$.total")
			.isEqualTo(40)
			.jsonPath("$.enqueued_at")
			.isEqualTo("2026-11-25T10:00:00Z")
			.jsonPath("$.skipped")
			.isEqualTo("P-bad");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hashesThatAreNoStatus")
	void answersAHashThatIsNoCompleteStatusAsAnUnknownJobProblem(String description, Map<String, String> hash) {
		String jobId = UUID.randomUUID().toString();
		Map<String, String> fields = new HashMap<>(hash);
		fields.replaceAll((field, value) -> value.formatted(jobId));
		store(jobId, fields);
		this.client.get()
			.uri("/api/v1/jobs/{id}", jobId)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("urn:pricing:problem:unknown-job")
			.jsonPath("$.job_id")
			.isEqualTo(jobId);
	}

	static Stream<Arguments> hashesThatAreNoStatus() {
		return Stream.of(
				arguments("status written after the hash expired: no envelope",
						Map.of(JobFields.STATE, "SUCCEEDED", JobFields.PROCESSED, "40")),
				arguments("no state", Map.of(JobFields.ENVELOPE, ENVELOPE, JobFields.PROCESSED, "3")),
				arguments("a state this API does not know",
						Map.of(JobFields.STATE, "PAUSED", JobFields.ENVELOPE, ENVELOPE)),
				arguments("an envelope that is not one",
						Map.of(JobFields.STATE, "RUNNING", JobFields.ENVELOPE, "{\"event_id\":")),
				arguments("a count that is not a number",
						Map.of(JobFields.STATE, "RUNNING", JobFields.ENVELOPE, ENVELOPE, JobFields.PROCESSED, "many")));
	}

	/**
	 * The newest jobs are those of the newest job stream entries (one per task), newest
	 * first, each once, optionally in one state; a job whose status expired is left out.
	 */
	@Test
	void listsTheNewestJobsFirstOnceEachAndByState() {
		List<String> ids = IntStream.range(0, 4).mapToObj((i) -> UUID.randomUUID().toString()).toList();
		String[] states = { "SUCCEEDED", "DEAD_LETTERED", "SUCCEEDED", "RUNNING" };
		for (int i = 0; i < ids.size(); i++) {
			String jobId = ids.get(i);
			if (i != 2) {
				store(jobId, Map.of(JobFields.STATE, states[i], JobFields.ENVELOPE, ENVELOPE.formatted(jobId)));
			}
			// two tasks of the job: two entries
			for (String partition : List.of("0", "1")) {
				this.redisConnection.connection()
					.sync()
					.xadd(this.keys.jobStream(), Map.of("event_id", jobId, "partition", partition));
			}
		}
		List<String> listed = jobIds("/api/v1/jobs?limit=200");
		assertThat(listed.stream().filter(ids::contains).toList())
			.as("newest first, once each, the expired one left out")
			.containsExactly(ids.get(3), ids.get(1), ids.get(0));
		assertThat(jobIds("/api/v1/jobs?state=SUCCEEDED&limit=200")).contains(ids.get(0))
			.doesNotContain(ids.get(1), ids.get(3));
		assertThat(jobIds("/api/v1/jobs?limit=1")).containsExactly(ids.get(3));
	}

	@Test
	void refusesAnUnknownStateOrLimitNamingWhatIsAccepted() {
		this.client.get()
			.uri("/api/v1/jobs?state=PANIC")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("'state' must be one of QUEUED, RUNNING, RETRYING, SUCCEEDED, COALESCED, DEAD_LETTERED, "
					+ "not 'PANIC'");
		this.client.get()
			.uri("/api/v1/jobs?limit=0")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("'limit' must be between 1 and 200");
	}

	private List<String> jobIds(String uri) {
		List<String> ids = new ArrayList<>();
		this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.forEach((job) -> ids.add(job.get("job_id").asString()));
		return ids;
	}

	private void store(String jobId, Map<String, String> fields) {
		this.redisConnection.connection().sync().hset(this.keys.job(jobId), fields);
	}

}
