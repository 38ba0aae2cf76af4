package dev.pricingengine.common.event;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON form of an {@link EventEnvelope} (snake_case, nulls omitted), shared by
 * publisher, listener and worker. A tolerant reader: fields it does not know, in the
 * envelope or its event, are ignored, so that during a rolling upgrade an older listener
 * or worker still handles the envelopes of a newer API; the fields it needs are still
 * validated.
 * <p>
 * The trace context's {@code traceparent} and {@code tracestate} are top-level fields,
 * where envelopes carried them before the propagators became configurable and where older
 * readers look for them; its other fields ({@code baggage}, {@code b3}, ...) are in
 * {@code trace_context}. Reading joins both.
 */
public final class EnvelopeCodec {

	private static final String TRACEPARENT = "traceparent";

	private static final String TRACESTATE = "tracestate";

	private static final JsonMapper mapper = JsonMapper.builder()
		.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.changeDefaultPropertyInclusion((inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
		.build();

	private EnvelopeCodec() {
	}

	public static String encode(EventEnvelope envelope) {
		Map<String, String> traceContext = new TreeMap<>(envelope.traceContext());
		String traceparent = traceContext.remove(TRACEPARENT);
		String tracestate = traceContext.remove(TRACESTATE);
		return mapper.writeValueAsString(new Json(envelope.eventId(), envelope.sequence(), envelope.event(),
				envelope.publishedAt(), traceparent, tracestate, traceContext.isEmpty() ? null : traceContext));
	}

	/**
	 * Decodes an envelope.
	 * @param json the JSON text
	 * @return the envelope
	 * @throws IllegalArgumentException if the text is not a valid envelope
	 */
	public static EventEnvelope decode(String json) {
		try {
			Json envelope = mapper.readValue(json, Json.class);
			if (envelope == null) {
				throw new IllegalArgumentException("not a JSON object");
			}
			return envelope.toEnvelope();
		}
		catch (JacksonException ex) {
			Throwable cause = (ex.getCause() instanceof IllegalArgumentException invalid) ? invalid : ex;
			throw new IllegalArgumentException("Not a valid event envelope: " + cause.getMessage(), ex);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("Not a valid event envelope: " + ex.getMessage(), ex);
		}
	}

	/** The envelope as JSON holds it. */
	private record Json(String eventId, long sequence, MarketEvent event, Instant publishedAt, String traceparent,
			String tracestate, Map<String, String> traceContext) {

		EventEnvelope toEnvelope() {
			Map<String, String> fields = new HashMap<>();
			if (this.traceContext != null) {
				fields.putAll(this.traceContext);
			}
			fields.put(TRACEPARENT, this.traceparent);
			fields.put(TRACESTATE, this.tracestate);
			fields.values().removeIf(Objects::isNull);
			return new EventEnvelope(this.eventId, this.sequence, this.event, this.publishedAt, fields);
		}

	}

}
