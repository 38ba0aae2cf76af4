package dev.pricingengine.api;

import java.util.List;

import dev.pricingengine.common.redis.ClusterAwareConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

/**
 * Counts the commands a Redis server processed (on Redis Cluster, every primary), from
 * {@code INFO stats}. The test Redis is private to the test JVM, so the difference
 * between two readings is what the test caused.
 */
public final class RedisCommandCounter {

	private final ClusterAwareConnection connection;

	public RedisCommandCounter(ClusterAwareConnection connection) {
		this.connection = connection;
	}

	/** Commands processed so far, not counting the {@code INFO} calls of this counter. */
	public long processed() {
		return primaries().stream().mapToLong(RedisCommandCounter::processed).sum();
	}

	private static long processed(RedisCommands<String, String> node) {
		String stats = node.info("stats");
		long total = stats.lines()
			.filter((line) -> line.startsWith("total_commands_processed:"))
			.mapToLong((line) -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
			.findFirst()
			.orElseThrow();
		String commandStats = node.info("commandstats");
		long infoCalls = commandStats.lines()
			.filter((line) -> line.startsWith("cmdstat_info:"))
			.mapToLong((line) -> Long.parseLong(line.replaceAll("^cmdstat_info:calls=(\\d+),.*$", "$1")))
			.findFirst()
			.orElse(0);
		return total - infoCalls;
	}

	/**
	 * Calls of one command processed so far.
	 * @param command the command, lower case ({@code get})
	 * @return its calls
	 */
	public long calls(String command) {
		return primaries().stream().mapToLong((node) -> calls(node, command)).sum();
	}

	private static long calls(RedisCommands<String, String> node, String command) {
		String prefix = "cmdstat_" + command + ":calls=";
		return node.info("commandstats")
			.lines()
			.filter((line) -> line.startsWith(prefix))
			.mapToLong((line) -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
			.findFirst()
			.orElse(0);
	}

	/** The standalone server, or each primary of a cluster. */
	private List<RedisCommands<String, String>> primaries() {
		if (this.connection.stateful() instanceof StatefulRedisClusterConnection<String, String> cluster) {
			return cluster.getPartitions()
				.stream()
				.filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
				.map((node) -> cluster.getConnection(node.getUri().getHost(), node.getUri().getPort()).sync())
				.toList();
		}
		return List.of(this.connection.standalone().sync());
	}

}
