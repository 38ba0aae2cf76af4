package dev.pricingengine.api;

import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Counts the commands a Redis server processed, from {@code INFO stats}. The test Redis
 * is private to the test JVM, so the difference between two readings is what the test
 * caused.
 */
public final class RedisCommandCounter {

	private final StatefulRedisConnection<String, String> connection;

	public RedisCommandCounter(StatefulRedisConnection<String, String> connection) {
		this.connection = connection;
	}

	/** Commands processed so far, not counting the {@code INFO} calls of this counter. */
	public long processed() {
		String stats = this.connection.sync().info("stats");
		long total = stats.lines()
			.filter((line) -> line.startsWith("total_commands_processed:"))
			.mapToLong((line) -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
			.findFirst()
			.orElseThrow();
		String commandStats = this.connection.sync().info("commandstats");
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
		String prefix = "cmdstat_" + command + ":calls=";
		return this.connection.sync()
			.info("commandstats")
			.lines()
			.filter((line) -> line.startsWith(prefix))
			.mapToLong((line) -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
			.findFirst()
			.orElse(0);
	}

}
