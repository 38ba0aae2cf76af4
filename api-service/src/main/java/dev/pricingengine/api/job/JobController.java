package dev.pricingengine.api.job;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.job.JobState;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Job status, by event id. A job hash that is not a complete status (without its envelope
 * or state, or unreadable) is answered like an unknown job: 404.
 */
@RestController
@Tag(name = "Jobs")
class JobController {

	private static final Logger logger = LoggerFactory.getLogger(JobController.class);

	private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F-]{1,64}");

	/** Job stream entries the list of newest jobs is read from. */
	static final int SCANNED_ENTRIES = 2000;

	private static final int MAX_LIMIT = 200;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	JobController(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	@GetMapping("/api/v1/jobs")
	@Operation(summary = "The newest jobs",
			description = "Newest first: the jobs of the newest " + SCANNED_ENTRIES + " job stream entries (a "
					+ "processed entry is kept for pricing.worker.job-stream-retention, 1 h), optionally only "
					+ "those in one state; jobs not yet on the stream are not listed")
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 400, 401, 503 })
	Mono<List<JobResponse>> jobs(
			@RequestParam(required = false) @Parameter(schema = @Schema(implementation = JobState.class)) String state,
			@RequestParam(defaultValue = "50") int limit) {
		JobState only = parseState(state);
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
					"'limit' must be between 1 and " + MAX_LIMIT);
		}
		RedisClusterReactiveCommands<String, String> redis = this.redisConnection.connection().reactive();
		return redis.xrevrange(this.keys.jobStream(), Range.unbounded(), Limit.from(SCANNED_ENTRIES))
			.map((entry) -> entry.getBody().getOrDefault("event_id", ""))
			.filter((id) -> JOB_ID.matcher(id).matches())
			.distinct()
			.flatMapSequential((id) -> status(redis, id), 16)
			.filter((job) -> only == null || job.state() == only)
			.take(limit)
			.collectList();
	}

	private static JobState parseState(String state) {
		if (state == null) {
			return null;
		}
		try {
			return JobState.valueOf(state);
		}
		catch (IllegalArgumentException ex) {
			throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
					"'state' must be one of "
							+ Arrays.stream(JobState.values()).map(JobState::name).collect(Collectors.joining(", "))
							+ ", not '" + state + "'");
		}
	}

	/** A job's status, or empty if it has none (expired, or never written). */
	private Mono<JobResponse> status(RedisClusterReactiveCommands<String, String> redis, String jobId) {
		return redis.hgetall(this.keys.job(jobId))
			.collectMap((entry) -> entry.getKey(), (entry) -> entry.getValue())
			.filter((hash) -> !hash.isEmpty())
			.flatMap((hash) -> {
				try {
					return Mono.just(JobResponse.fromHash(jobId, hash));
				}
				catch (IllegalArgumentException ex) {
					// a remnant (status fields written after the hash expired) or an
					// unreadable hash: no status a client could use, as if expired
					logger.warn("Job {} has no complete status ({}); answered as unknown", jobId, ex.getMessage());
					return Mono.empty();
				}
			});
	}

	@GetMapping("/api/v1/jobs/{jobId}")
	@Operation(summary = "A job's status", description = "The job of a published event, by the event's id")
	@ProblemResponses({ 404, 503 })
	Mono<JobResponse> job(@PathVariable String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			return Mono.error(new JobNotFoundException(jobId));
		}
		return status(this.redisConnection.connection().reactive(), jobId)
			.switchIfEmpty(Mono.error(() -> new JobNotFoundException(jobId)));
	}

}
