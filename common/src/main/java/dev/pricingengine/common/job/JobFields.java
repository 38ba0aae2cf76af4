package dev.pricingengine.common.job;

/**
 * Field names of a job status hash ({@code RedisKeys#job}); timestamps are epoch
 * milliseconds of the Redis server clock. A job has a task for each partition of its
 * event's scope ({@link #PARTITIONS}); each task's fields are kept under
 * {@link #partition(int, String)}, and the job's own fields aggregate them
 * ({@code record-job-status.lua}).
 */
public final class JobFields {

	public static final String STATE = "state";

	public static final String ENVELOPE = "envelope";

	public static final String SEQUENCE = "sequence";

	public static final String ATTEMPTS = "attempts";

	public static final String ENQUEUED_AT = "enqueued_at";

	public static final String STARTED_AT = "started_at";

	public static final String FINISHED_AT = "finished_at";

	public static final String WORKER = "worker";

	public static final String LOCK = "lock";

	public static final String LOCKED_AT = "locked_at";

	public static final String UNLOCKED_AT = "unlocked_at";

	public static final String FENCING_TOKEN = "fencing_token";

	/**
	 * {@code true} when the lock's lease had lapsed before the job released it (its
	 * holder stalled past the lease, or Redis lost the renewals): another holder may have
	 * taken the lock meanwhile, and fencing refused any write of this one after that
	 * holder's.
	 */
	public static final String LOCK_EXPIRED = "lock_expired";

	public static final String PROCESSED = "processed";

	public static final String TOTAL = "total";

	public static final String ERROR = "error";

	/** Id of the event's trace, when tracing is on. */
	public static final String TRACE_ID = "trace_id";

	/**
	 * Records a recalculation skipped because they are malformed (catalog entries by
	 * product id, coalesced events by event id), the first 20 of them; the rest of the
	 * pass was priced.
	 */
	public static final String SKIPPED = "skipped";

	/** Id of the job's entry on the job stream (the newest, after a replay). */
	public static final String STREAM_ENTRY = "stream_entry";

	/** Id of the job's entry in the dead-letter stream. */
	public static final String DEAD_LETTER = "dead_letter";

	/** The partitions the job has a task for, comma-separated. */
	public static final String PARTITIONS = "partitions";

	/** The partitions whose task was handed to their lock's holder, comma-separated. */
	public static final String COALESCED = "coalesced";

	private JobFields() {
	}

	/**
	 * The name of a field of one partition's task.
	 * @param partition the partition
	 * @param field the field, as the job's
	 * @return {@code partition:<partition>:<field>}
	 */
	public static String partition(int partition, String field) {
		return "partition:" + partition + ":" + field;
	}

}
