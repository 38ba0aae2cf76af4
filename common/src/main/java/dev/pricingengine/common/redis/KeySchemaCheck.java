package dev.pricingengine.common.redis;

import java.util.List;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import org.springframework.context.SmartLifecycle;

/**
 * Checks, before anything consumes or serves, that Redis holds the pricing data the way
 * this service will read it:
 * <ul>
 * <li>not as it was named before the keys carried hash tags ({@code pricing:categories}
 * rather than {@code pricing:{p0}:categories}): the services would not see that catalog,
 * market state or job stream, and the API would seed a demo catalog beside them (the
 * README's upgrade section renames them);</li>
 * <li>in as many partitions as {@code pricing.partitions} says: the first service to
 * start on a new data set records the number, and a service configured with another one
 * refuses to start, since it would look for products in the wrong partitions. A data set
 * created before partitions were recorded (it has an event sequence or a catalog but no
 * record) has one; a partitioned one whose record is gone is refused.</li>
 * </ul>
 * Runs once the shared connection is open, in its lifecycle phase.
 */
public class KeySchemaCheck implements SmartLifecycle {

	/** Names (after the prefix) that the untagged schema always wrote once in use. */
	static final List<String> LEGACY_NAMES = List.of("categories", "market", "event-sequence", "jobs");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private volatile boolean running;

	public KeySchemaCheck(SharedRedisConnection redisConnection, RedisKeys keys) {
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
		checkPartitions(redis);
		this.running = true;
	}

	private void checkPartitions(RedisClusterCommands<String, String> redis) {
		String configured = String.valueOf(this.keys.partitions());
		String recorded = redis.get(this.keys.partitionCount());
		if (recorded == null) {
			if (redis.exists(
					new RedisKeys(this.keys.prefix(), this.keys.eventsChannel(), 2).partition(1).categories()) > 0) {
				throw new IllegalStateException("The pricing data under " + this.keys.prefix()
						+ " is partitioned, but the record of its number of partitions (" + this.keys.partitionCount()
						+ ") is gone: set it again to the number the data set was created with");
			}
			boolean createdBefore = redis.exists(this.keys.eventSequence()) > 0
					|| redis.exists(this.keys.partition(0).categories()) > 0;
			recorded = createdBefore ? "1" : configured;
			redis.set(this.keys.partitionCount(), recorded, SetArgs.Builder.nx());
			recorded = redis.get(this.keys.partitionCount());
		}
		if (!configured.equals(recorded)) {
			throw new IllegalStateException("The pricing data under " + this.keys.prefix() + " was created with "
					+ recorded + " partition(s) (recorded in " + this.keys.partitionCount()
					+ "), but pricing.partitions is " + configured + ": set pricing.partitions=" + recorded
					+ " in every service (the number is fixed when the data set is created), "
					+ "or use a fresh pricing.redis.key-prefix");
		}
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
