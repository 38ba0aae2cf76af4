package dev.pricingengine.common.job;

/**
 * Field names of a job status hash ({@code RedisKeys#job}); timestamps are epoch
 * milliseconds of the Redis server clock.
 */
public final class JobFields {

	public static final String STATE = "state";

	public static final String ENVELOPE = "envelope";

	public static final String SEQUENCE = "sequence";

	public static final String ATTEMPTS = "attempts";

	public static final String ENQUEUED_AT = "enqueued_at";

	private JobFields() {
	}

}
