package dev.pricingengine.common.fault;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fault injection for the workers, held in Redis so that one change reaches every worker:
 * each attempt's market-data step fails with a market-data timeout at {@code failureRate}
 * and/or takes {@code latencyMs} longer, and each batch of prices a job's pass writes
 * under the lock waits {@code batchLatencyMs} first (a slow price store: the lock stays
 * held for as long). Off by default.
 *
 * @param failureRate share of attempts that fail, 0 to 1
 * @param latencyMs added latency per attempt, 0 to 60,000 ms
 * @param batchLatencyMs added latency per batch of a job's pass, 0 to 1,000 ms
 */
public record FaultSettings(double failureRate, long latencyMs, long batchLatencyMs) {

	public static final FaultSettings OFF = new FaultSettings(0, 0, 0);

	private static final String FAILURE_RATE = "failure_rate";

	private static final String LATENCY_MS = "latency_ms";

	private static final String BATCH_LATENCY_MS = "batch_latency_ms";

	public FaultSettings {
		if (!(failureRate >= 0 && failureRate <= 1)) {
			throw new IllegalArgumentException("failure_rate must be between 0 and 1");
		}
		if (latencyMs < 0 || latencyMs > 60_000) {
			throw new IllegalArgumentException("latency_ms must be between 0 and 60000");
		}
		if (batchLatencyMs < 0 || batchLatencyMs > 1_000) {
			throw new IllegalArgumentException("batch_latency_ms must be between 0 and 1000");
		}
	}

	public Map<String, String> toHash() {
		return Map.of(FAILURE_RATE, String.valueOf(this.failureRate), LATENCY_MS, String.valueOf(this.latencyMs),
				BATCH_LATENCY_MS, String.valueOf(this.batchLatencyMs));
	}

	public static FaultSettings fromHash(Map<String, String> hash) {
		if (hash == null || hash.isEmpty()) {
			return OFF;
		}
		return new FaultSettings(Double.parseDouble(hash.getOrDefault(FAILURE_RATE, "0")),
				Long.parseLong(hash.getOrDefault(LATENCY_MS, "0")),
				Long.parseLong(hash.getOrDefault(BATCH_LATENCY_MS, "0")));
	}

	/**
	 * Waits an injected latency: the one place product code waits on purpose. An
	 * interrupt ends the wait and is kept for the caller to see.
	 * @param millis the latency, nothing when 0
	 */
	public static void inject(long millis) {
		if (millis <= 0) {
			return;
		}
		try {
			TimeUnit.MILLISECONDS.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
