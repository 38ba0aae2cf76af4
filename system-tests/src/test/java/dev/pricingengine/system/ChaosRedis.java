package dev.pricingengine.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import redis.embedded.core.ExecutableProvider;

import static org.awaitility.Awaitility.await;

/**
 * A redis-server of the chaos suite's own, with AOF fsynced on every write, that it can
 * crash (SIGKILL) and start again on the same port and data. The {@code redis-server} on
 * the {@code PATH}, else the binary shipped in the embedded-redis artifact.
 */
final class ChaosRedis implements AutoCloseable {

	private final Path dataDirectory;

	private final int port;

	private ChildProcess server;

	private ChaosRedis(Path dataDirectory, int port) {
		this.dataDirectory = dataDirectory;
		this.port = port;
	}

	static ChaosRedis start(Path dataDirectory) throws IOException {
		ChaosRedis redis = new ChaosRedis(dataDirectory, LocalStack.freePorts(1));
		redis.restart();
		return redis;
	}

	int port() {
		return this.port;
	}

	/** Kills the server with SIGKILL, as a crash would: no shutdown, no final save. */
	void crash() {
		Process process = this.server.process();
		process.destroyForcibly();
		process.onExit().join();
		this.server.stop(Duration.ZERO);
	}

	/** Starts the server (again) on its port, from its append-only file. */
	void restart() throws IOException {
		List<String> command = List.of(binary().toString(), "--port", String.valueOf(this.port), "--bind", "127.0.0.1",
				"--save", "", "--dir", this.dataDirectory.toString(), "--appendonly", "yes", "--appendfsync", "always");
		ChildProcess server = ChildProcess.start(command, Map.of(), this.dataDirectory,
				ProcessBuilder.Redirect.appendTo(this.dataDirectory.resolve("redis-server.log").toFile()));
		this.server = server;
		try {
			await("redis-server answers on port " + this.port).atMost(Duration.ofSeconds(20))
				.pollInterval(Duration.ofMillis(50))
				.failFast("redis-server exited", () -> !server.process().isAlive())
				.until(this::answers);
		}
		catch (RuntimeException ex) {
			server.stop(Duration.ZERO);
			throw ex;
		}
	}

	private boolean answers() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			return in.read() != -1;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static Path binary() throws IOException {
		return ChildProcess.onPath("redis-server")
			.orElse(ExecutableProvider.newJarResourceProvider().get().toPath().toAbsolutePath());
	}

	@Override
	public void close() {
		if (this.server != null) {
			this.server.stop(Duration.ofSeconds(10));
		}
	}

}
