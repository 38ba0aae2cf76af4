package dev.pricingengine.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

/**
 * A trace backend small enough for a test, as OpenTelemetry's own smoke tests use: an
 * OTLP/HTTP endpoint ({@code /v1/traces}, protobuf) that keeps every span it receives.
 * Metrics and logs are accepted and dropped.
 */
final class OtlpReceiver implements AutoCloseable {

	private final HttpServer server;

	private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

	private OtlpReceiver(HttpServer server) {
		this.server = server;
	}

	static OtlpReceiver start() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		OtlpReceiver receiver = new OtlpReceiver(server);
		server.createContext("/v1/traces", receiver::traces);
		server.createContext("/", (exchange) -> respond(exchange, 200));
		server.start();
		return receiver;
	}

	/** The endpoint for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
	String endpoint() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/**
	 * Every span received so far.
	 * @return the spans
	 */
	List<ReceivedSpan> spans() {
		return List.copyOf(this.spans);
	}

	/**
	 * The spans of one trace received so far.
	 * @param traceId the trace's id (hex)
	 * @return its spans
	 */
	List<ReceivedSpan> trace(String traceId) {
		return this.spans.stream().filter((span) -> span.traceId().equals(traceId)).toList();
	}

	private void traces(HttpExchange exchange) throws IOException {
		try (InputStream body = exchange.getRequestBody()) {
			ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
			for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
				String service = attributes(resourceSpans.getResource().getAttributesList()).get("service.name");
				for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
					scopeSpans.getSpansList()
						.forEach(
								(span) -> this.spans.add(new ReceivedSpan(service, hex(span.getTraceId().toByteArray()),
										hex(span.getSpanId().toByteArray()), hex(span.getParentSpanId().toByteArray()),
										span.getName(), span.getKind().name().replace("SPAN_KIND_", ""),
										attributes(span.getAttributesList()), span.getLinksCount())));
				}
			}
		}
		respond(exchange, 200);
	}

	private static Map<String, String> attributes(List<KeyValue> attributes) {
		return attributes.stream()
			.collect(Collectors.toMap(KeyValue::getKey, (attribute) -> text(attribute.getValue()), (a, b) -> b));
	}

	private static String text(AnyValue value) {
		return switch (value.getValueCase()) {
			case STRING_VALUE -> value.getStringValue();
			case INT_VALUE -> String.valueOf(value.getIntValue());
			case BOOL_VALUE -> String.valueOf(value.getBoolValue());
			case DOUBLE_VALUE -> String.valueOf(value.getDoubleValue());
			default -> value.toString();
		};
	}

	private static String hex(byte[] id) {
		return HexFormat.of().formatHex(id);
	}

	private static void respond(HttpExchange exchange, int status) throws IOException {
		exchange.getRequestBody().readAllBytes();
		exchange.sendResponseHeaders(status, -1);
		exchange.close();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/**
	 * A span as received.
	 *
	 * @param service the {@code service.name} of its resource
	 * @param traceId trace id (hex)
	 * @param spanId span id (hex)
	 * @param parentSpanId parent span id (hex; empty for a root)
	 * @param name span name
	 * @param kind {@code SERVER}, {@code CLIENT}, {@code PRODUCER}, {@code CONSUMER} or
	 * {@code INTERNAL}
	 * @param attributes its attributes as text
	 * @param links how many links it has
	 */
	record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name, String kind,
			Map<String, String> attributes, int links) {

		static Map<String, ReceivedSpan> byId(List<ReceivedSpan> spans) {
			return spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, Function.identity(), (a, b) -> a));
		}

	}

}
