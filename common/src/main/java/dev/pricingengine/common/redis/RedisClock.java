package dev.pricingengine.common.redis;

import java.util.List;

import io.lettuce.core.api.sync.RedisServerCommands;

/**
 * The Redis server's clock ({@code TIME}), so that timestamps written by different hosts
 * compare.
 */
public final class RedisClock {

	private RedisClock() {
	}

	/** Epoch milliseconds of the Redis server. */
	public static long millis(RedisServerCommands<String, String> redis) {
		List<String> time = redis.time();
		return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
	}

}
