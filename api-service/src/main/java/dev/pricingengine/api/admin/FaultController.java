package dev.pricingengine.api.admin;

import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Fault injection for operators and tests: the workers' market-data step fails at a rate
 * and/or is slowed down, and their jobs' passes wait before each batch they write under
 * the lock, for all workers at once. Off unless set.
 */
@RestController
@Tag(name = "Fault injection")
class FaultController {

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	FaultController(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	@GetMapping("/api/v1/admin/faults")
	@Operation(summary = "The injected faults")
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 401, 503 })
	Mono<FaultSettings> faults() {
		return this.redisConnection.connection()
			.reactive()
			.hgetall(this.keys.faults())
			.collectMap((entry) -> entry.getKey(), (entry) -> entry.getValue())
			.map(FaultSettings::fromHash);
	}

	@PutMapping("/api/v1/admin/faults")
	@Operation(summary = "Set the injected faults",
			description = "A failure rate and a latency for the workers' market-data calls, and a latency "
					+ "before each batch of prices a job's pass writes under the lock (the lock stays held as long); "
					+ "an absent field is 0, {} clears them")
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 400, 401, 413, 503 })
	Mono<FaultSettings> setFaults(@RequestBody Mono<FaultRequest> request) {
		return request.map(FaultRequest::toSettings)
			.flatMap((settings) -> this.redisConnection.connection()
				.reactive()
				.hset(this.keys.faults(), settings.toHash())
				.thenReturn(settings));
	}

	/**
	 * Body of {@code PUT /api/v1/admin/faults}; an absent field means 0.
	 *
	 * @param failureRate share of attempts that fail, 0 to 1
	 * @param latencyMs added latency per attempt in milliseconds
	 * @param batchLatencyMs added latency per batch of a job's pass in milliseconds
	 */
	record FaultRequest(@Schema(example = "0.3") Double failureRate, @Schema(example = "250") Long latencyMs,
			@Schema(example = "20") Long batchLatencyMs) {

		FaultSettings toSettings() {
			try {
				return new FaultSettings((this.failureRate != null) ? this.failureRate : 0,
						(this.latencyMs != null) ? this.latencyMs : 0,
						(this.batchLatencyMs != null) ? this.batchLatencyMs : 0);
			}
			catch (IllegalArgumentException ex) {
				throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-faults", "Invalid fault settings",
						ex.getMessage(), ex);
			}
		}

	}

}
