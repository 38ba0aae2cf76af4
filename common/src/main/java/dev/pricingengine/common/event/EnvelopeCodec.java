package dev.pricingengine.common.event;

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
 */
public final class EnvelopeCodec {

	private static final JsonMapper mapper = JsonMapper.builder()
		.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.changeDefaultPropertyInclusion((inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
		.build();

	private EnvelopeCodec() {
	}

	public static String encode(EventEnvelope envelope) {
		return mapper.writeValueAsString(envelope);
	}

	/**
	 * Decodes an envelope.
	 * @param json the JSON text
	 * @return the envelope
	 * @throws IllegalArgumentException if the text is not a valid envelope
	 */
	public static EventEnvelope decode(String json) {
		try {
			return mapper.readValue(json, EventEnvelope.class);
		}
		catch (JacksonException ex) {
			Throwable cause = (ex.getCause() instanceof IllegalArgumentException invalid) ? invalid : ex;
			throw new IllegalArgumentException("Not a valid event envelope: " + cause.getMessage(), ex);
		}
	}

}
