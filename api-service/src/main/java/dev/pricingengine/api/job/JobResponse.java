package dev.pricingengine.api.job;

import java.time.Instant;
import java.util.Map;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.job.JobState;

/**
 * A job's status. Fields a job has not reached yet are null.
 *
 * @param jobId the job (and event) id
 * @param state where the job is
 * @param event the market event
 * @param sequence the event's sequence
 * @param attempts attempts made so far
 * @param enqueuedAt when a listener put it on the job stream (Redis clock)
 */
record JobResponse(String jobId, JobState state, MarketEvent event, Long sequence, Integer attempts,
		Instant enqueuedAt) {

	static JobResponse fromHash(String jobId, Map<String, String> hash) {
		EventEnvelope envelope = EnvelopeCodec.decode(hash.get(JobFields.ENVELOPE));
		return new JobResponse(jobId, JobState.valueOf(hash.get(JobFields.STATE)), envelope.event(),
				envelope.sequence(), Integer.valueOf(hash.getOrDefault(JobFields.ATTEMPTS, "0")),
				Instant.ofEpochMilli(Long.parseLong(hash.get(JobFields.ENQUEUED_AT))));
	}

}
