package dev.pricingengine.common.tracing;

import java.time.Instant;
import java.util.List;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trace context across a hop: what the sender injects into the envelope survives the JSON
 * codec, and the receiver's span continues the sender's trace.
 */
class MessageTracingTests {

	private static final InMemorySpanExporter spans = InMemorySpanExporter.create();

	@BeforeAll
	static void installSdk() {
		GlobalOpenTelemetry.resetForTest();
		GlobalOpenTelemetry.set(OpenTelemetrySdk.builder()
			.setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
			.build());
	}

	@AfterAll
	static void removeSdk() {
		GlobalOpenTelemetry.resetForTest();
	}

	@BeforeEach
	void forgetSpans() {
		spans.reset();
	}

	@Test
	void theReceiversSpanContinuesTheSendersTraceThroughTheEnvelope() {
		EventEnvelope unsent = envelope(null);
		Span request = MessageTracing.tracer().spanBuilder("request").startSpan();
		EventEnvelope sent;
		try (Scope scope = request.makeCurrent()) {
			Span send = MessageTracing.startSend("publish", "market_events", unsent);
			sent = MessageTracing.sentBy(unsent, send);
			send.end();
		}
		request.end();
		EventEnvelope received = EnvelopeCodec.decode(EnvelopeCodec.encode(sent));
		Span process = MessageTracing.startProcess("market_events", received);
		process.end();

		List<SpanData> finished = spans.getFinishedSpanItems();
		SpanData producer = finished.stream().filter((span) -> span.getKind() == SpanKind.PRODUCER).findFirst().get();
		SpanData consumer = finished.stream().filter((span) -> span.getKind() == SpanKind.CONSUMER).findFirst().get();
		assertThat(sent.traceparent()).contains(producer.getTraceId()).contains(producer.getSpanId());
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
	void anEnvelopeWithoutTraceContextStartsANewTrace() {
		Span process = MessageTracing.startProcess("market_events", envelope(null));
		process.end();
		assertThat(spans.getFinishedSpanItems()).singleElement()
			.satisfies((span) -> assertThat(span.getParentSpanContext().isValid()).isFalse());
		assertThat(MessageTracing.senderSpanContext(envelope(null)).isValid()).isFalse();
	}

	@Test
	void aMalformedTraceparentIsIgnored() {
		Span process = MessageTracing.startProcess("market_events", envelope("not-a-traceparent"));
		process.end();
		assertThat(spans.getFinishedSpanItems()).singleElement()
			.satisfies((span) -> assertThat(span.getParentSpanContext().isValid()).isFalse());
	}

	private static EventEnvelope envelope(String traceparent) {
		return new EventEnvelope("event-1", 7, MarketEvent.RECALCULATE, Instant.parse("2026-11-25T10:00:00Z"),
				traceparent, null);
	}

}
