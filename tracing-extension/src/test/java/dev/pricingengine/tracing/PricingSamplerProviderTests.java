package dev.pricingengine.tracing;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PricingSamplerProviderTests {

	private static final int TRACES = 10_000;

	@ParameterizedTest
	@CsvSource({ "POST, /api/v1/publish-market-event", "POST, /api/v1/catalog", "POST, /api/v1/dead-letters/replay",
			"PUT, /api/v1/admin/faults", "DELETE, /api/v1/admin/faults" })
	void tracesEveryRequestThatChangesSomething(String method, String path) {
		assertThat(sampledShare(sampler("0"), SpanKind.SERVER, request(method, path))).isEqualTo(1.0);
	}

	@ParameterizedTest
	@CsvSource({ "GET, /api/v1/prices/P-1", "HEAD, /api/v1/prices/P-1", "POST, /api/v1/price", "GET, /api/v1/ping",
			"GET, /api/v1/jobs/j-1" })
	void tracesTheConfiguredShareOfReads(String method, String path) {
		assertThat(sampledShare(sampler("0"), SpanKind.SERVER, request(method, path))).isZero();
		assertThat(sampledShare(sampler("1"), SpanKind.SERVER, request(method, path))).isEqualTo(1.0);
		assertThat(sampledShare(sampler("0.1"), SpanKind.SERVER, request(method, path))).isBetween(0.08, 0.12);
		assertThat(sampledShare(sampler(null), SpanKind.SERVER, request(method, path))).isBetween(0.005, 0.015);
	}

	@ParameterizedTest
	@CsvSource({ "GET, /actuator/health/readiness", "GET, /actuator", "GET, /actuator/prometheus",
			"POST, /actuator/shutdown" })
	void neverTracesHealthChecksAndOtherActuatorRequests(String method, String path) {
		assertThat(sampledShare(sampler("1"), SpanKind.SERVER, request(method, path))).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "CONSUMER", "PRODUCER", "INTERNAL" })
	void tracesEverySpanWithoutParentThatIsNoRequest(SpanKind kind) {
		assertThat(sampledShare(sampler("0"), kind, Attributes.empty())).isEqualTo(1.0);
	}

	@Test
	void doesNotTraceAClientCallMadeOutsideAnyTrace() {
		assertThat(sampledShare(sampler("1"), SpanKind.CLIENT, Attributes.empty())).isZero();
		assertThat(decision(sampler("0"), SpanKind.CLIENT, withParent(TraceFlags.getSampled()), Attributes.empty()))
			.isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
	}

	@Test
	void aReadWhoseCallerDecidedFollowsThatDecision() {
		Attributes read = request("GET", "/api/v1/prices/P-1");
		assertThat(decision(sampler("0"), SpanKind.SERVER, withParent(TraceFlags.getSampled()), read))
			.isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
		assertThat(decision(sampler("1"), SpanKind.SERVER, withParent(TraceFlags.getDefault()), read))
			.isEqualTo(SamplingDecision.DROP);
	}

	@Test
	void aPublishedEventIsTracedWhateverItsCallerDecided() {
		Attributes publish = request("POST", "/api/v1/publish-market-event");
		assertThat(decision(sampler("0"), SpanKind.SERVER, withParent(TraceFlags.getDefault()), publish))
			.isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "CONSUMER", "PRODUCER", "INTERNAL", "CLIENT" })
	void aSpanWithinATraceFollowsItsParent(SpanKind kind) {
		assertThat(decision(sampler("0"), kind, withParent(TraceFlags.getSampled()), Attributes.empty()))
			.isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
		assertThat(decision(sampler("1"), kind, withParent(TraceFlags.getDefault()), Attributes.empty()))
			.isEqualTo(SamplingDecision.DROP);
	}

	@ParameterizedTest
	@ValueSource(strings = { "-0.1", "1.5", "NaN" })
	void refusesARatioOutsideZeroToOne(String ratio) {
		assertThatExceptionOfType(ConfigurationException.class).isThrownBy(() -> sampler(ratio))
			.withMessageContaining("between 0 and 1");
	}

	@Test
	void isNamedForTheAgentsConfiguration() {
		assertThat(new PricingSamplerProvider().getName()).isEqualTo("pricing");
	}

	private static Sampler sampler(String ratio) {
		Map<String, String> properties = (ratio != null) ? Map.of("otel.traces.sampler.arg", ratio) : Map.of();
		return new PricingSamplerProvider().createSampler(DefaultConfigProperties.createFromMap(properties));
	}

	private static Attributes request(String method, String path) {
		return Attributes.builder().put("http.request.method", method).put("url.path", path).build();
	}

	private static double sampledShare(Sampler sampler, SpanKind kind, Attributes attributes) {
		IdGenerator ids = IdGenerator.random();
		long sampled = IntStream.range(0, TRACES)
			.filter((i) -> sampler
				.shouldSample(Context.root(), ids.generateTraceId(), "span", kind, attributes, List.of())
				.getDecision() == SamplingDecision.RECORD_AND_SAMPLE)
			.count();
		return (double) sampled / TRACES;
	}

	private static Context withParent(TraceFlags flags) {
		IdGenerator ids = IdGenerator.random();
		return Context.root()
			.with(Span.wrap(SpanContext.createFromRemoteParent(ids.generateTraceId(), ids.generateSpanId(), flags,
					TraceState.getDefault())));
	}

	private static SamplingDecision decision(Sampler sampler, SpanKind kind, Context parent, Attributes attributes) {
		String traceId = Span.fromContext(parent).getSpanContext().getTraceId();
		return sampler.shouldSample(parent, traceId, "span", kind, attributes, List.of()).getDecision();
	}

}
