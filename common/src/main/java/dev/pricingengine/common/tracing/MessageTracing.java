package dev.pricingengine.common.tracing;

import java.util.HashMap;
import java.util.Map;

import dev.pricingengine.common.event.EventEnvelope;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * Carries trace context and baggage across the hops OpenTelemetry's agent cannot see —
 * Redis Pub/Sub and the job stream — in the event envelope, and makes the messaging spans
 * of those hops (semantic conventions for messaging). Spans go to
 * {@link GlobalOpenTelemetry}, and the envelope's trace context is written and read with
 * its propagators: the Java agent's SDK and its configured propagators
 * ({@code otel.propagators}, W3C Trace Context and Baggage by default) when it is
 * attached; without it, a no-op that records, injects and extracts nothing.
 */
public final class MessageTracing {

	/** Name of this project's instrumentation scope. */
	public static final String INSTRUMENTATION_SCOPE = "dev.pricingengine";

	public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");

	public static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey
		.stringKey("messaging.destination.name");

	public static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey
		.stringKey("messaging.operation.type");

	public static final AttributeKey<String> MESSAGING_OPERATION_NAME = AttributeKey
		.stringKey("messaging.operation.name");

	public static final AttributeKey<String> MESSAGING_MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

	public static final AttributeKey<Long> EVENT_SEQUENCE = AttributeKey.longKey("pricing.event.sequence");

	public static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("pricing.event.type");

	private static final TextMapGetter<EventEnvelope> ENVELOPE = new TextMapGetter<>() {

		@Override
		public Iterable<String> keys(EventEnvelope envelope) {
			return envelope.traceContext().keySet();
		}

		@Override
		public String get(EventEnvelope envelope, String key) {
			return (envelope != null) ? envelope.traceContext().get(key) : null;
		}

	};

	private MessageTracing() {
	}

	public static Tracer tracer() {
		return GlobalOpenTelemetry.getTracer(INSTRUMENTATION_SCOPE);
	}

	/**
	 * Starts the PRODUCER span of sending an event, a child of the current span.
	 * @param operation the messaging operation's name, for example {@code publish}
	 * @param destination channel or stream
	 * @param envelope the event sent
	 * @return the started span
	 */
	public static Span startSend(String operation, String destination, EventEnvelope envelope) {
		return startSend(operation, destination, envelope, Context.current());
	}

	/**
	 * Starts the PRODUCER span of sending an event, a child of the span in the given
	 * context.
	 * @param operation the messaging operation's name, for example {@code publish}
	 * @param destination channel or stream
	 * @param envelope the event sent
	 * @param parent the context the event is sent in
	 * @return the started span
	 */
	public static Span startSend(String operation, String destination, EventEnvelope envelope, Context parent) {
		return event(messaging(operation + " " + destination, SpanKind.PRODUCER, "send", operation, destination,
				envelope.eventId()), envelope)
			.setParent(parent)
			.startSpan();
	}

	/**
	 * Starts the PRODUCER span of sending a message that is not an event envelope, a
	 * child of the current span.
	 * @param destination channel or stream
	 * @param messageId the message's id
	 * @return the started span
	 */
	public static Span startSend(String destination, String messageId) {
		return messaging("send " + destination, SpanKind.PRODUCER, "send", "send", destination, messageId).startSpan();
	}

	/**
	 * Starts the CONSUMER span of processing a received event, a child of the span that
	 * sent it (from the envelope's trace context), or a new trace when it carries none.
	 * The event is to be processed in the context returned, current: it holds the
	 * sender's baggage too.
	 * @param destination channel or stream it came from
	 * @param envelope the event
	 * @return the sender's context with the started span in it (end it:
	 * {@link Span#fromContext(Context)})
	 */
	public static Context startProcess(String destination, EventEnvelope envelope) {
		Context sender = senderContext(envelope);
		Span span = event(messaging("process " + destination, SpanKind.CONSUMER, "process", "process", destination,
				envelope.eventId()), envelope)
			.setParent(sender)
			.startSpan();
		return sender.with(span);
	}

	/**
	 * The context an event was sent in, as far as the configured propagators carry it.
	 * @param envelope the event
	 * @return a context holding the sender's span and baggage, or the root context
	 */
	public static Context senderContext(EventEnvelope envelope) {
		return propagator().extract(Context.root(), envelope, ENVELOPE);
	}

	/**
	 * The sender's span context, for links.
	 * @param envelope the event
	 * @return its sender's span context; invalid when it carries none
	 */
	public static SpanContext senderSpanContext(EventEnvelope envelope) {
		return Span.fromContext(senderContext(envelope)).getSpanContext();
	}

	/**
	 * The envelope as sent within a span of the current context: carrying what the
	 * configured propagators inject of that span and the current context's baggage.
	 * @param envelope the event
	 * @param sender the sending span
	 * @return the envelope with the trace context of the span
	 */
	public static EventEnvelope sentBy(EventEnvelope envelope, Span sender) {
		return sentBy(envelope, Context.current().with(sender));
	}

	/**
	 * The envelope as sent in a context: carrying what the configured propagators inject
	 * of it (its span, its baggage).
	 * @param envelope the event
	 * @param sending the context holding the sending span
	 * @return the envelope with that trace context
	 */
	public static EventEnvelope sentBy(EventEnvelope envelope, Context sending) {
		Map<String, String> carrier = new HashMap<>();
		propagator().inject(sending, carrier, Map::put);
		return new EventEnvelope(envelope.eventId(), envelope.sequence(), envelope.event(), envelope.publishedAt(),
				carrier);
	}

	/**
	 * The trace id to show beside a job, or {@code null} without tracing.
	 * @param span a span of the event's trace
	 * @return its trace id, or {@code null}
	 */
	public static String traceId(Span span) {
		SpanContext context = span.getSpanContext();
		return context.isValid() ? context.getTraceId() : null;
	}

	private static TextMapPropagator propagator() {
		return GlobalOpenTelemetry.getPropagators().getTextMapPropagator();
	}

	private static SpanBuilder messaging(String name, SpanKind kind, String operationType, String operationName,
			String destination, String messageId) {
		return tracer().spanBuilder(name)
			.setSpanKind(kind)
			.setAttribute(MESSAGING_SYSTEM, "redis")
			.setAttribute(MESSAGING_DESTINATION, destination)
			.setAttribute(MESSAGING_OPERATION_TYPE, operationType)
			.setAttribute(MESSAGING_OPERATION_NAME, operationName)
			.setAttribute(MESSAGING_MESSAGE_ID, messageId);
	}

	private static SpanBuilder event(SpanBuilder builder, EventEnvelope envelope) {
		return builder.setAttribute(EVENT_SEQUENCE, envelope.sequence())
			.setAttribute(EVENT_TYPE, envelope.event().type().name());
	}

}
