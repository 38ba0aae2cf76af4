package dev.pricingengine.worker.job;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the claims of the job stream entries this worker is working on fresh, every third
 * of {@code pricing.worker.claim-idle}, so that another consumer takes an entry over only
 * when its worker is really gone (killed, paused or cut off from Redis), however long its
 * job runs. Refreshing does not count as a delivery, so the poison limit counts only real
 * takeovers.
 */
final class ClaimKeeper implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ClaimKeeper.class);

	private static final LuaScript KEEP_CLAIM = LuaScript.fromClasspath("scripts/keep-claim.lua");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final String group;

	/** Entries being worked on → the consumer working on each. */
	private final Map<String, String> claims = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler;

	ClaimKeeper(SharedRedisConnection redisConnection, RedisKeys keys, WorkerProperties properties) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.group = properties.group();
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "job-claim-keeper");
			thread.setDaemon(true);
			return thread;
		});
		long period = Math.max(1, properties.claimIdle().toMillis() / 3);
		this.scheduler.scheduleWithFixedDelay(this::keepClaims, period, period, TimeUnit.MILLISECONDS);
	}

	/**
	 * Keeps the claims of entries delivered to a consumer fresh until each is
	 * {@linkplain #forget(String) forgotten}.
	 * @param entryIds the entries
	 * @param consumer the consumer they were delivered to
	 */
	void keep(List<String> entryIds, String consumer) {
		entryIds.forEach((entryId) -> this.claims.put(entryId, consumer));
	}

	/**
	 * Stops keeping an entry's claim: it was acknowledged, or its consumer gave up on it.
	 * @param entryId the entry
	 */
	void forget(String entryId) {
		this.claims.remove(entryId);
	}

	private void keepClaims() {
		this.claims.forEach((entryId, consumer) -> {
			try {
				Long kept = KEEP_CLAIM.call(this.redisConnection.connection().sync(), ScriptOutputType.INTEGER,
						new String[] { this.keys.jobStream() }, this.group, consumer, entryId);
				if (kept == 0 && this.claims.remove(entryId, consumer)) {
					logger.warn(
							"Job stream entry {} is no longer pending with {}: it was taken over while this "
									+ "worker stalled; fencing keeps out writes of an older lock holder",
							entryId, consumer);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not keep the claim of {} on job stream entry {}: {}", consumer, entryId,
						ex.getMessage());
			}
		});
	}

	@Override
	public void close() {
		this.scheduler.shutdownNow();
	}

}
