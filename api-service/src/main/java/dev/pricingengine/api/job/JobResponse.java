package dev.pricingengine.api.job;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.job.JobState;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * A job's status. Fields a job has not reached yet are null; times come from the Redis
 * clock. A job has a task for each partition of its event's scope; the job's fields
 * aggregate them (processed and total summed; once every task is done: {@code SUCCEEDED},
 * or {@code COALESCED} if every task was handed to the holder of its partition's lock, or
 * {@code DEAD_LETTERED} if one was dead-lettered; until then {@code RUNNING},
 * {@code RETRYING} or {@code QUEUED}), its lock, token and worker are the latest task's,
 * and {@code partitions} lists each task.
 *
 * @param jobId the job (and event) id
 * @param state where the job is
 * @param event the market event
 * @param sequence the event's sequence
 * @param attempts attempts made so far
 * @param processed products recalculated so far
 * @param total products in the event's scope
 * @param enqueuedAt when a listener put it on the job stream
 * @param startedAt when a worker started its latest attempt
 * @param finishedAt when it succeeded or was dead-lettered
 * @param lock the lock it ran under
 * @param lockedAt when it took the lock
 * @param unlockedAt when it released the lock
 * @param fencingToken the lock's fencing token its writes carried
 * @param lockExpired whether the lock's lease had lapsed before the job released it
 * (fencing refused any of its writes after a newer holder's); null until it succeeded
 * @param worker the consumer that ran it
 * @param error why it was dead-lettered
 * @param skipped records its recalculation left out because they are malformed (catalog
 * entries by product id, coalesced events by event id; the first 20), or null
 * @param traceId the event's trace (publish, bridge, job), when tracing is on
 * @param coalesced the partitions whose task was handed to the holder of their lock
 * @param partitions the job's task of each partition, by partition
 */
record JobResponse(@Schema(requiredMode = RequiredMode.REQUIRED) String jobId,
		@Schema(requiredMode = RequiredMode.REQUIRED) JobState state,
		@Schema(requiredMode = RequiredMode.REQUIRED) MarketEvent event,
		@Schema(requiredMode = RequiredMode.REQUIRED) Long sequence,
		@Schema(requiredMode = RequiredMode.REQUIRED) Integer attempts, Long processed, Long total, Instant enqueuedAt,
		Instant startedAt, Instant finishedAt, String lock, Instant lockedAt, Instant unlockedAt, Long fencingToken,
		Boolean lockExpired, String worker, String error, String skipped, String traceId,
		@Schema(requiredMode = RequiredMode.REQUIRED) List<Integer> coalesced,
		@Schema(requiredMode = RequiredMode.REQUIRED) List<Task> partitions) {

	/**
	 * Reads a job status hash.
	 * @param jobId the job
	 * @param hash the hash's fields
	 * @return the status
	 * @throws IllegalArgumentException if the hash is not a complete status: no envelope
	 * or state (a status write recreated the hash after it expired), or a field that
	 * cannot be read
	 */
	static JobResponse fromHash(String jobId, Map<String, String> hash) {
		EventEnvelope envelope = EnvelopeCodec.decode(required(hash, JobFields.ENVELOPE));
		List<Integer> partitions = partitions(hash.get(JobFields.PARTITIONS));
		return new JobResponse(jobId, JobState.valueOf(required(hash, JobFields.STATE)), envelope.event(),
				envelope.sequence(), Integer.valueOf(hash.getOrDefault(JobFields.ATTEMPTS, "0")),
				number(hash, JobFields.PROCESSED), number(hash, JobFields.TOTAL), time(hash, JobFields.ENQUEUED_AT),
				time(hash, JobFields.STARTED_AT), time(hash, JobFields.FINISHED_AT), hash.get(JobFields.LOCK),
				time(hash, JobFields.LOCKED_AT), time(hash, JobFields.UNLOCKED_AT),
				number(hash, JobFields.FENCING_TOKEN), flag(hash, JobFields.LOCK_EXPIRED), hash.get(JobFields.WORKER),
				hash.get(JobFields.ERROR), hash.get(JobFields.SKIPPED), hash.get(JobFields.TRACE_ID),
				partitions(hash.getOrDefault(JobFields.COALESCED, "")),
				partitions.stream().map((partition) -> Task.fromHash(partition, hash)).toList());
	}

	/** Partition numbers from a comma-separated list. */
	private static List<Integer> partitions(String list) {
		return (list == null || list.isEmpty()) ? List.of()
				: Arrays.stream(list.split(","))
					.filter((each) -> each.matches("\\d{1,4}"))
					.map(Integer::valueOf)
					.toList();
	}

	private static String required(Map<String, String> hash, String field) {
		String value = hash.get(field);
		if (value == null) {
			throw new IllegalArgumentException("no '" + field + "' field");
		}
		return value;
	}

	private static Long number(Map<String, String> hash, String field) {
		String value = hash.get(field);
		return (value != null) ? Long.valueOf(value) : null;
	}

	private static Boolean flag(Map<String, String> hash, String field) {
		String value = hash.get(field);
		return (value != null) ? Boolean.valueOf(value) : null;
	}

	private static Instant time(Map<String, String> hash, String field) {
		Long millis = number(hash, field);
		return (millis != null) ? Instant.ofEpochMilli(millis) : null;
	}

	/**
	 * A job's task for one partition.
	 *
	 * @param partition the partition
	 * @param state where the task is
	 * @param attempts attempts made so far
	 * @param processed products of the partition recalculated so far
	 * @param total products of the event's scope in the partition
	 * @param startedAt when a worker started its latest attempt
	 * @param finishedAt when it succeeded, was coalesced or dead-lettered
	 * @param lock the partition's lock it ran under
	 * @param fencingToken the lock's fencing token its writes carried
	 * @param lockExpired whether the lock's lease had lapsed before the task released it
	 * @param worker the consumer that ran it
	 * @param error why it was dead-lettered
	 */
	record Task(@Schema(requiredMode = RequiredMode.REQUIRED) int partition,
			@Schema(requiredMode = RequiredMode.REQUIRED) JobState state,
			@Schema(requiredMode = RequiredMode.REQUIRED) Integer attempts, Long processed, Long total,
			Instant startedAt, Instant finishedAt, String lock, Long fencingToken, Boolean lockExpired, String worker,
			String error) {

		static Task fromHash(int partition, Map<String, String> job) {
			Map<String, String> hash = new HashMap<>();
			String prefix = JobFields.partition(partition, "");
			job.forEach((field, value) -> {
				if (field.startsWith(prefix)) {
					hash.put(field.substring(prefix.length()), value);
				}
			});
			return new Task(partition, JobState.valueOf(hash.getOrDefault(JobFields.STATE, JobState.QUEUED.name())),
					Integer.valueOf(hash.getOrDefault(JobFields.ATTEMPTS, "0")), number(hash, JobFields.PROCESSED),
					number(hash, JobFields.TOTAL), time(hash, JobFields.STARTED_AT), time(hash, JobFields.FINISHED_AT),
					hash.get(JobFields.LOCK), number(hash, JobFields.FENCING_TOKEN), flag(hash, JobFields.LOCK_EXPIRED),
					hash.get(JobFields.WORKER), hash.get(JobFields.ERROR));
		}

	}

}
