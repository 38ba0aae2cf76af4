package dev.pricingengine.worker.job;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Worker settings.
 *
 * @param concurrency consumers (threads) per process
 * @param group consumer group on the job stream
 * @param lockName name of the recalculation lock (after the key prefix and the pricing
 * data's hash tag: {@code pricing:{p0}:recalculate_global_lock})
 * @param lockLease how long the lock outlives a holder that stops renewing it (killed,
 * paused, cut off from Redis); a live holder renews it every third of this
 * @param batchSize products recalculated per round trip
 * @param readTimeout how long one read of the job stream blocks
 * @param claimIdle how long a job may sit unacknowledged with a consumer before another
 * worker takes it over (its consumer presumed dead)
 * @param maxDeliveries deliveries after which a job that keeps coming back is
 * dead-lettered as poison
 * @param jobStreamRetention how long a job stream entry is kept once every consumer group
 * has it and none holds it pending (the job's status outlives it)
 * @param trimInterval how often the job and dead-letter streams are trimmed
 * @param stallTimeout how long a job consumer may make no progress (no turn of its loop,
 * no attempt begun, no batch of a pass written) before the worker logs where it is stuck
 * and halts, to be replaced like a killed one ({@link ConsumerWatchdog}); above the
 * longest a healthy consumer waits: a market-data step slowed by fault injection (up to
 * 60 s), a Redis command's timeout, a retry's delay; it must exceed {@code read-timeout},
 * which an idle consumer spends on each read
 * @param retry retries of transient failures
 */
@Validated
@ConfigurationProperties("pricing.worker")
public record WorkerProperties(@DefaultValue("1") @Min(1) @Max(64) int concurrency,
		@DefaultValue("workers") @NotBlank String group,
		@DefaultValue("recalculate_global_lock") @NotBlank String lockName,
		@DefaultValue("30s") @NotNull Duration lockLease, @DefaultValue("500") @Min(1) @Max(10_000) int batchSize,
		@DefaultValue("1s") @NotNull Duration readTimeout, @DefaultValue("60s") @NotNull Duration claimIdle,
		@DefaultValue("5") @Min(1) @Max(1000) int maxDeliveries,
		@DefaultValue("1h") @NotNull Duration jobStreamRetention, @DefaultValue("1m") @NotNull Duration trimInterval,
		@DefaultValue("2m") @NotNull Duration stallTimeout, @DefaultValue @Valid Retry retry) {

	/**
	 * Whether an idle consumer, blocked on a read of the job stream for
	 * {@code read-timeout}, is not taken for a stalled one.
	 * @return whether {@code stall-timeout} exceeds {@code read-timeout}
	 */
	@AssertTrue(message = "stall-timeout must be longer than read-timeout: an idle consumer waits read-timeout on "
			+ "each read of the job stream, and would be taken for a stalled one (the worker halted again and again)")
	public boolean isStallTimeoutLongerThanReadTimeout() {
		return this.stallTimeout == null || this.readTimeout == null
				|| this.stallTimeout.compareTo(this.readTimeout) > 0;
	}

	/**
	 * Exponential backoff with jitter; defaults mirror the prototype's policy (5
	 * retries).
	 *
	 * @param maxRetries retries after the first attempt
	 * @param initialDelay delay before the first retry
	 * @param multiplier growth of the delay per retry
	 * @param maxDelay longest delay
	 * @param jitter random spread added to each delay
	 */
	public record Retry(@DefaultValue("5") @Min(0) @Max(100) long maxRetries,
			@DefaultValue("200ms") @NotNull Duration initialDelay, @DefaultValue("2.0") double multiplier,
			@DefaultValue("5s") @NotNull Duration maxDelay, @DefaultValue("100ms") @NotNull Duration jitter) {

	}

}
