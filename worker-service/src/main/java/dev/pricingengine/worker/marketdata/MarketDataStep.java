package dev.pricingengine.worker.marketdata;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;

import org.springframework.stereotype.Component;

/**
 * The step of an attempt that would consult an external market-data source. The engine
 * needs none today, so the step only honours fault injection
 * ({@code PUT /api/v1/admin/faults}): the one place product code waits or draws random
 * numbers on purpose.
 */
@Component
public class MarketDataStep {

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	MarketDataStep(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	/**
	 * Runs the step with the current fault settings.
	 * @throws ExternalApiTimeoutException when fault injection makes this attempt fail
	 */
	public void run() {
		FaultSettings faults = FaultSettings
			.fromHash(this.redisConnection.connection().sync().hgetall(this.keys.faults()));
		if (faults.latencyMs() > 0) {
			waitFor(faults.latencyMs());
		}
		if (faults.failureRate() > 0 && ThreadLocalRandom.current().nextDouble() < faults.failureRate()) {
			throw new ExternalApiTimeoutException(
					"Injected market-data timeout (failure_rate " + faults.failureRate() + ")");
		}
	}

	private static void waitFor(long millis) {
		try {
			TimeUnit.MILLISECONDS.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
