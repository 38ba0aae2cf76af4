package dev.pricingengine.common.redis;

import java.util.List;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import org.springframework.context.SmartLifecycle;

/**
 * Refuses to start on a Redis that holds the engine's keys as they were named before they
 * carried hash tags ({@code pricing:categories} rather than
 * {@code pricing:{p0}:categories}): the services would not see that catalog, market state
 * or job stream, and the API would seed a demo catalog beside them. The README's upgrade
 * section renames them. Runs once the shared connection is open, before anything consumes
 * or serves.
 */
public class LegacyKeySchemaCheck implements SmartLifecycle {

	/** Names (after the prefix) that the untagged schema always wrote once in use. */
	static final List<String> LEGACY_NAMES = List.of("categories", "market", "event-sequence", "jobs");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private volatile boolean running;

	public LegacyKeySchemaCheck(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	@Override
	public void start() {
		RedisClusterCommands<String, String> redis = this.redisConnection.connection().sync();
		// one key a command: on Redis Cluster these untagged names live in different
		// slots
		List<String> found = LEGACY_NAMES.stream()
			.map((name) -> this.keys.prefix() + name)
			.filter((key) -> redis.exists(key) > 0)
			.toList();
		if (!found.isEmpty()) {
			throw new IllegalStateException("Redis holds keys named as before the key schema's hash tags " + found
					+ ": rename them as the README's upgrade section says (with every service stopped), "
					+ "or use a fresh pricing.redis.key-prefix");
		}
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * The shared connection's phase: started after it (it depends on it), before the
	 * consumers and subscribers of the next phase.
	 */
	@Override
	public int getPhase() {
		return this.redisConnection.getPhase();
	}

}
