package dev.pricingengine.worker.marketdata;

import java.util.concurrent.ThreadLocalRandom;

import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;

import org.springframework.stereotype.Component;

/**
 * The step of an attempt that would consult an external market-data source. The engine
 * needs none today, so the step only honours fault injection
 * ({@code PUT /api/v1/admin/faults}): the one place product code draws random numbers on
 * purpose. It reads the settings once per attempt, for the attempt's pass too.
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
	 * @return the settings it ran with, for the rest of the attempt
	 * @throws ExternalApiTimeoutException when fault injection makes this attempt fail
	 */
	public FaultSettings run() {
		FaultSettings faults = FaultSettings
			.fromHash(this.redisConnection.connection().sync().hgetall(this.keys.faults()));
		FaultSettings.inject(faults.latencyMs());
		if (faults.failureRate() > 0 && ThreadLocalRandom.current().nextDouble() < faults.failureRate()) {
			throw new ExternalApiTimeoutException(
					"Injected market-data timeout (failure_rate " + faults.failureRate() + ")");
		}
		return faults;
	}

}
