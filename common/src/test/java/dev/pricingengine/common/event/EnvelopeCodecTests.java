package dev.pricingengine.common.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class EnvelopeCodecTests {

	private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

	@Test
	void roundTripsAnEnvelopeAsSnakeCaseJsonWithoutNulls() {
		EventEnvelope envelope = new EventEnvelope("e-1", 7,
				new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.15"), null, "P-7", null),
				Instant.parse("2026-11-25T10:00:00.123Z"), Map.of("traceparent", TRACEPARENT));
		String json = EnvelopeCodec.encode(envelope);
		assertThat(json).contains("\"event_id\":\"e-1\"")
			.contains("\"product_id\":\"P-7\"")
			.contains("\"type\":\"DEMAND_FACTOR\"")
			.contains("\"traceparent\"")
			.doesNotContain("tracestate")
			.doesNotContain("trace_context")
			.doesNotContain("null");
		assertThat(EnvelopeCodec.decode(json)).isEqualTo(envelope);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "not json", "null", "{}", "{\"event_id\":\"e\",\"sequence\":0}",
			"{\"event_id\":\"e\",\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"event\":{\"type\":\"NOPE\"}}",
			"{\"event_id\":\"e\",\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"event\":{\"type\":\"DEMAND_FACTOR\"}}",
			"{\"event_id\":\"e\",\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"event\":{\"factor\":2,\"extra\":1}}",
			"{\"event_id\":\"e\",\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"extra\":{\"type\":\"RECALCULATE\"}}",
			"{\"sequence\":1,\"published_at\":\"2026-01-01T00:00:00Z\",\"event\":{\"type\":\"RECALCULATE\"},\"id\":\"e\"}" })
	void rejectsWhatIsNotAValidEnvelope(String json) {
		assertThatIllegalArgumentException().isThrownBy(() -> EnvelopeCodec.decode(json))
			.withMessageStartingWith("Not a valid event envelope");
	}

	@Test
	void ignoresFieldsItDoesNotKnowSoThatANewerPublishersEnvelopesStillDecode() {
		String json = "{\"event_id\":\"e-2\",\"sequence\":8,\"priority\":\"high\",\"origin\":{\"region\":\"eu\"},"
				+ "\"event\":{\"type\":\"DEMAND_FACTOR\",\"factor\":\"1.20\",\"category\":\"C-3\",\"reason\":\"promo\"},"
				+ "\"published_at\":\"2026-11-25T10:00:00Z\",\"schema\":2}";
		assertThat(EnvelopeCodec.decode(json)).isEqualTo(new EventEnvelope("e-2", 8,
				new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.20"), "C-3", null, null),
				Instant.parse("2026-11-25T10:00:00Z")));
	}

	@Test
	void keepsTheW3cTraceContextTopLevelForOlderReadersAndTheOtherFieldsBeside() {
		EventEnvelope envelope = new EventEnvelope("e-3", 9, MarketEvent.RECALCULATE,
				Instant.parse("2026-11-25T10:00:00Z"), Map.of("traceparent", TRACEPARENT, "tracestate", "vendor=1",
						"baggage", "tenant=acme", "b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"));
		String json = EnvelopeCodec.encode(envelope);
		assertThat(json).isEqualTo("{\"event_id\":\"e-3\",\"sequence\":9,\"event\":{\"type\":\"RECALCULATE\"},"
				+ "\"published_at\":\"2026-11-25T10:00:00Z\",\"traceparent\":\"" + TRACEPARENT + "\","
				+ "\"tracestate\":\"vendor=1\",\"trace_context\":{\"b3\":"
				+ "\"0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1\",\"baggage\":\"tenant=acme\"}}");
		assertThat(EnvelopeCodec.decode(json)).isEqualTo(envelope);
	}

	@Test
	void readsTheTraceContextOfAnEnvelopeWrittenBeforeTraceContextFields() {
		String json = "{\"event_id\":\"e-4\",\"sequence\":10,\"event\":{\"type\":\"RECALCULATE\"},"
				+ "\"published_at\":\"2026-11-25T10:00:00Z\",\"traceparent\":\"" + TRACEPARENT + "\"}";
		assertThat(EnvelopeCodec.decode(json).traceContext()).containsExactly(Map.entry("traceparent", TRACEPARENT));
	}

	@Test
	void ignoresTraceContextFieldsWithoutValue() {
		String json = "{\"event_id\":\"e-5\",\"sequence\":11,\"event\":{\"type\":\"RECALCULATE\"},"
				+ "\"published_at\":\"2026-11-25T10:00:00Z\",\"trace_context\":{\"baggage\":null,\"b3\":\"0\"}}";
		assertThat(EnvelopeCodec.decode(json).traceContext()).containsExactly(Map.entry("b3", "0"));
	}

}
