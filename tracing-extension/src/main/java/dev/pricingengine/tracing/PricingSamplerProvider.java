package dev.pricingengine.tracing;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The sampler the services' agents run with ({@code otel.traces.sampler=pricing}, in
 * {@code otel-agent.properties}): every trace but those of read requests, of which a
 * share ({@code otel.traces.sampler.arg}, default {@value #DEFAULT_READ_RATIO}), and none
 * of the health checks; a span with a parent follows its parent's decision. See
 * {@link RequestSampler}.
 */
public final class PricingSamplerProvider implements ConfigurableSamplerProvider {

	/** The sampler's name in {@code otel.traces.sampler}. */
	public static final String NAME = "pricing";

	static final double DEFAULT_READ_RATIO = 0.01;

	@Override
	public Sampler createSampler(ConfigProperties config) {
		double readRatio = config.getDouble("otel.traces.sampler.arg", DEFAULT_READ_RATIO);
		if (!(readRatio >= 0 && readRatio <= 1)) {
			throw new ConfigurationException(
					"otel.traces.sampler.arg of the pricing sampler (the share of read requests traced) must be"
							+ " between 0 and 1, not " + readRatio);
		}
		return new RequestSampler(readRatio);
	}

	@Override
	public String getName() {
		return NAME;
	}

}
