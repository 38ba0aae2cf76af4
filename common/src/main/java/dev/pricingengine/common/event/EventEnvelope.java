package dev.pricingengine.common.event;

import java.time.Instant;

/**
 * A market event as it travels: over Pub/Sub, onto the job stream and to a worker.
 *
 * @param eventId unique id, also the job id
 * @param sequence monotonic sequence assigned at publication (last writer by sequence
 * wins)
 * @param event the event
 * @param publishedAt when the API published it
 * @param traceparent W3C trace context of the publisher, if any
 * @param tracestate W3C trace state of the publisher, if any
 */
public record EventEnvelope(String eventId, long sequence, MarketEvent event, Instant publishedAt, String traceparent,
		String tracestate) {

	public EventEnvelope {
		if (eventId == null || eventId.isBlank()) {
			throw new IllegalArgumentException("event_id is required");
		}
		if (sequence <= 0) {
			throw new IllegalArgumentException("sequence must be positive");
		}
		if (event == null) {
			throw new IllegalArgumentException("event is required");
		}
		if (publishedAt == null) {
			throw new IllegalArgumentException("published_at is required");
		}
	}

}
