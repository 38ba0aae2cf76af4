package dev.pricingengine.api.job;

import java.util.regex.Pattern;

import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
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

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	JobController(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	@GetMapping("/api/v1/jobs/{jobId}")
	@Operation(summary = "A job's status", description = "The job of a published event, by the event's id")
	@ProblemResponses({ 404, 503 })
	Mono<JobResponse> job(@PathVariable String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			return Mono.error(new JobNotFoundException(jobId));
		}
		return this.redisConnection.connection()
			.reactive()
			.hgetall(this.keys.job(jobId))
			.collectMap((entry) -> entry.getKey(), (entry) -> entry.getValue())
			.filter((hash) -> !hash.isEmpty())
			.switchIfEmpty(Mono.error(() -> new JobNotFoundException(jobId)))
			.handle((hash, sink) -> {
				try {
					sink.next(JobResponse.fromHash(jobId, hash));
				}
				catch (IllegalArgumentException ex) {
					// a remnant (status fields written after the hash expired) or an
					// unreadable hash: no status a client could use, as if expired
					logger.warn("Job {} has no complete status ({}); answered as unknown", jobId, ex.getMessage());
					sink.error(new JobNotFoundException(jobId));
				}
			});
	}

}
