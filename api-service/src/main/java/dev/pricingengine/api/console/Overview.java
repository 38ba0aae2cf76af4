package dev.pricingengine.api.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * One snapshot of the system, as the console's overview shows it. Rates are summed over
 * the instances that announce themselves, each over the time between its last two
 * heartbeats (null in a feed's first snapshot).
 *
 * @param at when it was taken (Redis clock)
 * @param events the market events published
 * @param jobs the newest jobs by state
 * @param stream the job stream and its consumer groups
 * @param deadLetters entries on the dead-letter stream
 * @param pricesPerSecond prices the workers recalculated per second
 * @param locks each partition's recalculation lock
 * @param instances the API replicas, listeners and workers that announce themselves
 */
record Overview(@Schema(requiredMode = RequiredMode.REQUIRED) Instant at,
		@Schema(requiredMode = RequiredMode.REQUIRED) EventRates events,
		@Schema(requiredMode = RequiredMode.REQUIRED) JobCounts jobs,
		@Schema(requiredMode = RequiredMode.REQUIRED) JobStream stream,
		@Schema(requiredMode = RequiredMode.REQUIRED) long deadLetters, Double pricesPerSecond,
		@Schema(requiredMode = RequiredMode.REQUIRED) List<PartitionLock> locks,
		@Schema(requiredMode = RequiredMode.REQUIRED) List<ServiceInstance> instances) {

	/**
	 * Market events.
	 *
	 * @param sequence the sequence of the newest accepted event (all API replicas)
	 * @param acceptedPerSecond events accepted (202) per second
	 * @param refusedPerSecond events refused per second: any other answer of the publish
	 * endpoint (bad input, rate limit, no listener, Redis away); a request without a
	 * valid key is refused before it reaches the endpoint and is not counted
	 */
	record EventRates(@Schema(requiredMode = RequiredMode.REQUIRED) long sequence, Double acceptedPerSecond,
			Double refusedPerSecond) {

	}

	/**
	 * The jobs of the newest job stream entries, by state.
	 *
	 * @param sampled how many jobs were read
	 * @param byState state → jobs in it
	 */
	record JobCounts(@Schema(requiredMode = RequiredMode.REQUIRED) int sampled,
			@Schema(requiredMode = RequiredMode.REQUIRED) Map<String, Integer> byState) {

	}

	/**
	 * The job stream.
	 *
	 * @param length entries on it (kept for an hour once processed)
	 * @param groups its consumer groups
	 */
	record JobStream(@Schema(requiredMode = RequiredMode.REQUIRED) long length,
			@Schema(requiredMode = RequiredMode.REQUIRED) List<ConsumerGroup> groups) {

	}

	/**
	 * A consumer group of the job stream.
	 *
	 * @param name its name
	 * @param consumers consumers it has seen (dead ones too, until removed)
	 * @param pending entries delivered and not yet acknowledged
	 * @param lag entries not yet delivered, or null if Redis cannot tell
	 */
	record ConsumerGroup(@Schema(requiredMode = RequiredMode.REQUIRED) String name,
			@Schema(requiredMode = RequiredMode.REQUIRED) long consumers,
			@Schema(requiredMode = RequiredMode.REQUIRED) long pending, Long lag) {

	}

	/**
	 * A partition's recalculation lock.
	 *
	 * @param partition the partition
	 * @param key the lock's key
	 * @param holder the instance holding it (a worker, named by its heartbeat), or the
	 * Redisson client id if no heartbeat names it; null when free
	 * @param fencingToken the holder's fencing token, from its heartbeat
	 * @param heldSince when the holder took it, from its heartbeat
	 * @param job the job the holder is running
	 * @param leaseMs the lease left, or null when free
	 * @param priceFence the newest fencing token that wrote prices of the partition
	 */
	record PartitionLock(@Schema(requiredMode = RequiredMode.REQUIRED) int partition,
			@Schema(requiredMode = RequiredMode.REQUIRED) String key, String holder, Long fencingToken,
			Instant heldSince, String job, Long leaseMs, Long priceFence) {

	}

	/**
	 * An instance that announces itself.
	 *
	 * @param service {@code api-service}, {@code listener-service} or
	 * {@code worker-service}
	 * @param instance its id, {@code host-pid}
	 * @param alive whether its last heartbeat is younger than three intervals
	 * @param lastSeenMs milliseconds since its last heartbeat (Redis clock)
	 * @param startedAt when it started
	 * @param tasks what a worker's consumers are running: job, partition, attempt,
	 * fencing token
	 */
	record ServiceInstance(@Schema(requiredMode = RequiredMode.REQUIRED) String service,
			@Schema(requiredMode = RequiredMode.REQUIRED) String instance,
			@Schema(requiredMode = RequiredMode.REQUIRED) boolean alive,
			@Schema(requiredMode = RequiredMode.REQUIRED) long lastSeenMs, Instant startedAt,
			@Schema(requiredMode = RequiredMode.REQUIRED) List<WorkerTask> tasks) {

	}

	/**
	 * A task a worker's consumer is running.
	 *
	 * @param consumer the consumer
	 * @param jobId the job
	 * @param partition the task's partition
	 * @param attempt its attempt
	 * @param startedAt when the attempt started
	 * @param fencingToken the partition lock's token, once taken
	 * @param lockedAt when it took the lock
	 */
	record WorkerTask(@Schema(requiredMode = RequiredMode.REQUIRED) String consumer,
			@Schema(requiredMode = RequiredMode.REQUIRED) String jobId,
			@Schema(requiredMode = RequiredMode.REQUIRED) int partition,
			@Schema(requiredMode = RequiredMode.REQUIRED) int attempt, Instant startedAt, Long fencingToken,
			Instant lockedAt) {

	}

}
