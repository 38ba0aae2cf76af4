package dev.pricingengine.common.tracing;

import java.time.Instant;
import java.util.Map;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trace context across a hop: what the configured propagators inject into the envelope
 * survives the JSON codec, and the receiver's span continues the sender's trace.
 */
class MessageTracingTests {

	private final InMemorySpanExporter spans = InMemorySpanExporter.create();

	@AfterEach
	void removeSdk() {
		GlobalOpenTelemetry.resetForTest();
	}

	@Test
	void theReceiversSpanContinuesTheSendersTraceThroughTheEnvelope() {
		install(W3CTraceContextPropagator.getInstance());
		EventEnvelope unsent = envelope();
		Span request = MessageTracing.tracer().spanBuilder("request").startSpan();
		EventEnvelope sent;
		try (Scope scope = request.makeCurrent()) {
			Span send = MessageTracing.startSend("publish", "market_events", unsent);
			sent = MessageTracing.sentBy(unsent, send);
			send.end();
		}
		request.end();
		EventEnvelope received = EnvelopeCodec.decode(EnvelopeCodec.encode(sent));
		Span process = Span.fromContext(MessageTracing.startProcess("market_events", received));
		process.end();

		SpanData producer = finished(SpanKind.PRODUCER);
		SpanData consumer = finished(SpanKind.CONSUMER);
		assertThat(sent.traceContext()).containsOnlyKeys("traceparent");
		assertThat(sent.traceContext().get("traceparent")).contains(producer.getTraceId())
			.contains(producer.getSpanId());
		assertThat(producer.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
		assertThat(producer.getName()).isEqualTo("publish market_events");
		assertThat(producer.getAttributes().get(MessageTracing.MESSAGING_MESSAGE_ID)).isEqualTo("event-1");
		assertThat(consumer.getName()).isEqualTo("process market_events");
		assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
		assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
		assertThat(consumer.getAttributes().get(MessageTracing.EVENT_SEQUENCE)).isEqualTo(7L);
		assertThat(MessageTracing.traceId(process)).isEqualTo(producer.getTraceId());
	}

	@Test
	void theConfiguredPropagatorsCarryTheSendersTraceAndBaggageToTheReceiversContext() {
		install(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance(),
				B3Propagator.injectingSingleHeader());
		EventEnvelope unsent = envelope();
		SpanContext producer;
		EventEnvelope sent;
		try (Scope baggage = Baggage.builder().put("tenant", "acme").build().makeCurrent()) {
			Span send = MessageTracing.startSend("publish", "market_events", unsent);
			producer = send.getSpanContext();
			sent = MessageTracing.sentBy(unsent, send);
			send.end();
		}
		String json = EnvelopeCodec.encode(sent);
		assertThat(json).contains("\"traceparent\":\"00-" + producer.getTraceId())
			.contains("\"b3\":\"" + producer.getTraceId())
			.contains("\"baggage\":\"tenant=acme\"");

		Context sender = MessageTracing.senderContext(EnvelopeCodec.decode(json));
		assertThat(Span.fromContext(sender).getSpanContext().getTraceId()).isEqualTo(producer.getTraceId());
		assertThat(Span.fromContext(sender).getSpanContext().getSpanId()).isEqualTo(producer.getSpanId());
		assertThat(Baggage.fromContext(sender).getEntryValue("tenant")).isEqualTo("acme");

		Context processing = MessageTracing.startProcess("market_events", EnvelopeCodec.decode(json));
		try (Scope scope = processing.makeCurrent()) {
			assertThat(Baggage.current().getEntryValue("tenant")).isEqualTo("acme");
			assertThat(Span.current().getSpanContext().getTraceId()).isEqualTo(producer.getTraceId());
		}
		Span.fromContext(processing).end();
		assertThat(finished(SpanKind.CONSUMER).getParentSpanId()).isEqualTo(producer.getSpanId());
	}

	@Test
	void aB3OnlyConfigurationStillLinksTheTrace() {
		install(B3Propagator.injectingSingleHeader());
		EventEnvelope unsent = envelope();
		Span send = MessageTracing.startSend("publish", "market_events", unsent);
		EventEnvelope sent = MessageTracing.sentBy(unsent, send);
		send.end();
		String json = EnvelopeCodec.encode(sent);
		assertThat(json).contains("\"b3\":\"" + send.getSpanContext().getTraceId()).doesNotContain("traceparent");

		Span.fromContext(MessageTracing.startProcess("market_events", EnvelopeCodec.decode(json))).end();
		assertThat(finished(SpanKind.CONSUMER).getTraceId()).isEqualTo(send.getSpanContext().getTraceId());
		assertThat(finished(SpanKind.CONSUMER).getParentSpanId()).isEqualTo(send.getSpanContext().getSpanId());
	}

	@Test
	void anEnvelopeWrittenBeforeTraceFieldsWereConfigurableStillLinksItsSender() {
		install(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());
		EventEnvelope received = EnvelopeCodec.decode("{\"event_id\":\"e-1\",\"sequence\":7,"
				+ "\"event\":{\"type\":\"RECALCULATE\"},\"published_at\":\"2026-11-25T10:00:00Z\","
				+ "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}");
		SpanContext sender = MessageTracing.senderSpanContext(received);
		assertThat(sender.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
		assertThat(sender.getSpanId()).isEqualTo("b7ad6b7169203331");
		assertThat(sender.isRemote()).isTrue();
	}

	@Test
	void anEnvelopeWithoutTraceContextStartsANewTrace() {
		install(W3CTraceContextPropagator.getInstance());
		Span.fromContext(MessageTracing.startProcess("market_events", envelope())).end();
		assertThat(this.spans.getFinishedSpanItems()).singleElement()
			.satisfies((span) -> assertThat(span.getParentSpanContext().isValid()).isFalse());
		assertThat(MessageTracing.senderSpanContext(envelope()).isValid()).isFalse();
	}

	@Test
	void withoutTheAgentNothingIsInjectedOrExtracted() {
		EventEnvelope unsent = envelope();
		Span send = MessageTracing.startSend("publish", "market_events", unsent);
		assertThat(MessageTracing.sentBy(unsent, send).traceContext()).isEmpty();
		send.end();
		Context processing = MessageTracing.startProcess("market_events",
				envelope("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
		assertThat(Span.fromContext(processing).getSpanContext().isValid()).isFalse();
		assertThat(MessageTracing.traceId(Span.fromContext(processing))).isNull();
	}

	@Test
	void aMalformedTraceparentIsIgnored() {
		install(W3CTraceContextPropagator.getInstance());
		Span.fromContext(MessageTracing.startProcess("market_events", envelope("not-a-traceparent"))).end();
		assertThat(this.spans.getFinishedSpanItems()).singleElement()
			.satisfies((span) -> assertThat(span.getParentSpanContext().isValid()).isFalse());
	}

	private void install(TextMapPropagator... propagators) {
		GlobalOpenTelemetry.resetForTest();
		GlobalOpenTelemetry.set(OpenTelemetrySdk.builder()
			.setTracerProvider(
					SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(this.spans)).build())
			.setPropagators(ContextPropagators.create(TextMapPropagator.composite(propagators)))
			.build());
	}

	private SpanData finished(SpanKind kind) {
		return this.spans.getFinishedSpanItems()
			.stream()
			.filter((span) -> span.getKind() == kind)
			.findFirst()
			.orElseThrow();
	}

	private static EventEnvelope envelope() {
		return new EventEnvelope("event-1", 7, MarketEvent.RECALCULATE, Instant.parse("2026-11-25T10:00:00Z"));
	}

	private static EventEnvelope envelope(String traceparent) {
		return new EventEnvelope("event-1", 7, MarketEvent.RECALCULATE, Instant.parse("2026-11-25T10:00:00Z"),
				Map.of("traceparent", traceparent));
	}

}
