package dev.pricingengine.common.event;

import java.time.Instant;
import java.util.Map;

/**
 * A market event as it travels: over Pub/Sub, onto the job stream and to a worker.
 *
 * @param eventId unique id, also the job id
 * @param sequence monotonic sequence assigned at publication (last writer by sequence
 * wins)
 * @param event the event
 * @param publishedAt when the API published it
 * @param traceContext the fields the sender's OpenTelemetry propagators injected (for
 * example {@code traceparent}, {@code tracestate}, {@code baggage}, {@code b3}); empty
 * without tracing
 */
public record EventEnvelope(String eventId, long sequence, MarketEvent event, Instant publishedAt,
		Map<String, String> traceContext) {

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
		traceContext = (traceContext != null) ? Map.copyOf(traceContext) : Map.of();
	}

	/**
	 * An envelope not sent yet: without trace context.
	 * @param eventId unique id, also the job id
	 * @param sequence monotonic sequence assigned at publication
	 * @param event the event
	 * @param publishedAt when the API published it
	 */
	public EventEnvelope(String eventId, long sequence, MarketEvent event, Instant publishedAt) {
		this(eventId, sequence, event, publishedAt, Map.of());
	}

}
