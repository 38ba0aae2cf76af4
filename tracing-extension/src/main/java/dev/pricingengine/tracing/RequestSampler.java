package dev.pricingengine.tracing;

import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * Decides which traces the services record. An HTTP server span of a read request (a
 * {@code GET} or {@code HEAD}, or the prototype's {@code POST /api/v1/price}) is sampled
 * at the read ratio, by trace id, unless its caller sent a sampling decision (then that);
 * one of an actuator request (health checks) never; one of any other request (a published
 * event, an import, a replay) always, whatever its caller decided, so every event has its
 * trace. A client span without a parent (a Redis command a service sends on its own, such
 * as a listener's sweep every second) is not recorded; every other span follows its
 * parent, or is recorded when it has none (the listeners' and workers' spans of an event
 * carry its trace context). A price API answers thousands of reads a second: traced
 * whole, they cost the API CPU time on every read (docs/performance.md) and fill a trace
 * store faster than it keeps the event traces users open it for. The attributes decided
 * on are the ones the agent's HTTP server instrumentation sets before the span starts
 * ({@code http.request.method}, {@code url.path}).
 */
final class RequestSampler implements Sampler {

	private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

	private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");

	private static final String ACTUATOR = "/actuator";

	private static final Sampler FOLLOW_PARENT = Sampler.parentBased(Sampler.alwaysOn());

	private final double readRatio;

	private final Sampler reads;

	RequestSampler(double readRatio) {
		this.readRatio = readRatio;
		this.reads = Sampler.parentBased(Sampler.traceIdRatioBased(readRatio));
	}

	@Override
	public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
			Attributes attributes, List<LinkData> parentLinks) {
		if (spanKind == SpanKind.SERVER) {
			String method = attributes.get(METHOD);
			String path = attributes.get(PATH);
			if (path != null && (path.equals(ACTUATOR) || path.startsWith(ACTUATOR + "/"))) {
				return SamplingResult.drop();
			}
			if (isRead(method, path)) {
				return this.reads.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
			}
			return SamplingResult.recordAndSample();
		}
		if (spanKind == SpanKind.CLIENT && !Span.fromContext(parentContext).getSpanContext().isValid()) {
			return SamplingResult.drop();
		}
		return FOLLOW_PARENT.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
	}

	private static boolean isRead(String method, String path) {
		return "GET".equals(method) || "HEAD".equals(method) || ("POST".equals(method) && "/api/v1/price".equals(path));
	}

	@Override
	public String getDescription() {
		return "PricingRequestSampler{readRatio=" + this.readRatio + "}";
	}

}
