package dev.pricingengine.tracing;

import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * Decides on the root spans of a service: the HTTP server span of a read request (a
 * {@code GET} or {@code HEAD}, or the prototype's {@code POST /api/v1/price}) is sampled
 * at the read ratio, by trace id; a health check or other actuator request is never;
 * every other span (a published event, an import, a replay, a consumer or producer span
 * without parent) always. A price API answers thousands of reads a second: traced whole,
 * they cost the API about 15 % of a cached read's CPU time to record and export
 * (docs/performance.md) and fill a trace store faster than it keeps the event traces
 * users open it for. The attributes decided on are the ones the agent's HTTP server
 * instrumentation sets before the span starts ({@code http.request.method},
 * {@code url.path}).
 */
final class RequestSampler implements Sampler {

	private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

	private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");

	private static final String ACTUATOR = "/actuator";

	private final double readRatio;

	private final Sampler reads;

	RequestSampler(double readRatio) {
		this.readRatio = readRatio;
		this.reads = Sampler.traceIdRatioBased(readRatio);
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
		}
		return SamplingResult.recordAndSample();
	}

	private static boolean isRead(String method, String path) {
		return "GET".equals(method) || "HEAD".equals(method) || ("POST".equals(method) && "/api/v1/price".equals(path));
	}

	@Override
	public String getDescription() {
		return "PricingRequestSampler{readRatio=" + this.readRatio + "}";
	}

}
