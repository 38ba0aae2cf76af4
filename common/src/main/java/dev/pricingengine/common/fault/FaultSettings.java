package dev.pricingengine.common.fault;

import java.util.Map;

/**
 * Fault injection for the workers' market-data step, held in Redis so that one change
 * reaches every worker: each attempt fails with a market-data timeout at
 * {@code failureRate} and/or takes {@code latencyMs} longer. Off by default.
 *
 * @param failureRate share of attempts that fail, 0 to 1
 * @param latencyMs added latency per attempt, 0 to 60,000 ms
 */
public record FaultSettings(double failureRate, long latencyMs) {

	public static final FaultSettings OFF = new FaultSettings(0, 0);

	private static final String FAILURE_RATE = "failure_rate";

	private static final String LATENCY_MS = "latency_ms";

	public FaultSettings {
		if (!(failureRate >= 0 && failureRate <= 1)) {
			throw new IllegalArgumentException("failure_rate must be between 0 and 1");
		}
		if (latencyMs < 0 || latencyMs > 60_000) {
			throw new IllegalArgumentException("latency_ms must be between 0 and 60000");
		}
	}

	public Map<String, String> toHash() {
		return Map.of(FAILURE_RATE, String.valueOf(this.failureRate), LATENCY_MS, String.valueOf(this.latencyMs));
	}

	public static FaultSettings fromHash(Map<String, String> hash) {
		if (hash == null || hash.isEmpty()) {
			return OFF;
		}
		return new FaultSettings(Double.parseDouble(hash.getOrDefault(FAILURE_RATE, "0")),
				Long.parseLong(hash.getOrDefault(LATENCY_MS, "0")));
	}

}
