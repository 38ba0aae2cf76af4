package dev.pricingengine.api.job;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

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

	private void store(String jobId, Map<String, String> fields) {
		this.redisConnection.connection().sync().hset(this.keys.job(jobId), fields);
	}

}
