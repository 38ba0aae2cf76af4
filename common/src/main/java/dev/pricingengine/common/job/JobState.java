package dev.pricingengine.common.job;

/**
 * Where a recalculation job is.
 */
public enum JobState {

	/** On the job stream, not yet taken by a worker. */
	QUEUED,

	/** A worker holds the lock and is applying the event. */
	RUNNING,

	/** The last attempt failed transiently; another follows after a backoff. */
	RETRYING,

	/** Applied; the affected prices are recalculated. */
	SUCCEEDED,

	/** Handed to the worker that held the lock, which applies it before releasing. */
	COALESCED,

	/** Could not succeed; in the dead-letter stream with its reason. */
	DEAD_LETTERED

}
