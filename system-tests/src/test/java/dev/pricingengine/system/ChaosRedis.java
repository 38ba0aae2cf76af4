package dev.pricingengine.system;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * A redis-server of the chaos suite's own, with AOF fsynced on every write, that it can
 * crash (SIGKILL) and start again on the same port and data.
 */
final class ChaosRedis implements AutoCloseable {

	private static final Pattern PROCESS_ID = Pattern.compile("process_id:(\\d+)");

	private final Path dataDirectory;

	private LocalRedisServer server;

	private ChaosRedis(Path dataDirectory, LocalRedisServer server) {
		this.dataDirectory = dataDirectory;
		this.server = server;
	}

	static ChaosRedis start(Path dataDirectory) {
		return new ChaosRedis(dataDirectory, LocalRedisServer.start(settings(dataDirectory)));
	}

	private static String[] settings(Path dataDirectory) {
		return new String[] { "dir " + dataDirectory, "appendonly yes", "appendfsync always" };
	}

	int port() {
		return this.server.port();
	}

	/** Kills the server with SIGKILL, as a crash would: no shutdown, no final save. */
	void crash() throws InterruptedException {
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + port());
		long pid;
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			Matcher matcher = PROCESS_ID.matcher(connection.sync().info("server"));
			if (!matcher.find()) {
				throw new IllegalStateException("INFO server names no process_id");
			}
			pid = Long.parseLong(matcher.group(1));
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
		ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
		process.destroyForcibly();
		process.onExit().join();
	}

	/** Starts the server again on its port, from its append-only file. */
	void restart() {
		this.server = LocalRedisServer.start(port(), settings(this.dataDirectory));
	}

	@Override
	public void close() {
		this.server.close();
	}

}
