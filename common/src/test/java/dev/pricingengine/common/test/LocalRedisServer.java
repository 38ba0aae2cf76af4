package dev.pricingengine.common.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import org.springframework.util.FileSystemUtils;

/**
 * A real {@code redis-server} process on a free loopback port, for tests that run without
 * a Docker engine or need a server of their own (to stop it, or to configure it). Uses
 * the {@code redis-server} on the {@code PATH} when there is one, otherwise the binary
 * shipped in the embedded-redis artifact.
 */
public final class LocalRedisServer implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

	private final int port;

	private final Process process;

	private final RedisServer embedded;

	private Path directory;

	private LocalRedisServer(int port, Process process, RedisServer embedded) {
		this.port = port;
		this.process = process;
		this.embedded = embedded;
	}

	/**
	 * Starts a Redis Cluster of one node that serves all 16384 slots, with persistence
	 * off. Clients connect to it as to a standalone server, but it refuses what a cluster
	 * refuses: a command, or a script's declared keys, spanning several slots
	 * ({@code CROSSSLOT}). Tests run on it so that every call site proves its keys share
	 * a slot.
	 * @return the running server
	 */
	public static LocalRedisServer startSingleNodeCluster() {
		Path directory;
		try {
			directory = Files.createTempDirectory("redis-cluster-node");
		}
		catch (IOException ex) {
			throw new IllegalStateException("No temporary directory for a cluster node", ex);
		}
		LocalRedisServer server = start("cluster-enabled yes", "dir " + directory, "cluster-config-file nodes.conf");
		server.directory = directory;
		try {
			server.assignAllSlots();
		}
		catch (RuntimeException ex) {
			server.close();
			throw ex;
		}
		return server;
	}

	/**
	 * Starts a server with persistence off.
	 * @param extraSettings further settings as {@code name value} pairs, for example
	 * {@code "requirepass secret"}
	 * @return the running server
	 */
	public static LocalRedisServer start(String... extraSettings) {
		return start(freePort(), extraSettings);
	}

	/**
	 * Starts a server with persistence off on a given port, for example to bring back a
	 * server a test stopped.
	 * @param port the port
	 * @param extraSettings further settings as {@code name value} pairs
	 * @return the running server
	 */
	public static LocalRedisServer start(int port, String... extraSettings) {
		List<String> settings = new ArrayList<>(List.of("bind 127.0.0.1", "save \"\"", "appendonly no"));
		settings.addAll(List.of(extraSettings));
		try {
			Optional<Path> binary = redisServerOnPath();
			LocalRedisServer server;
			if (binary.isPresent()) {
				List<String> command = new ArrayList<>(
						List.of(binary.get().toString(), "--port", String.valueOf(port)));
				for (String setting : settings) {
					String[] nameAndValue = setting.split(" ", 2);
					command.add("--" + nameAndValue[0]);
					command.add(nameAndValue[1].equals("\"\"") ? "" : nameAndValue[1]);
				}
				Process process = new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
				server = new LocalRedisServer(port, process, null);
			}
			else {
				var builder = RedisServer.newRedisServer().port(port);
				settings.forEach(builder::setting);
				RedisServer embedded = builder.build();
				embedded.start();
				server = new LocalRedisServer(port, null, embedded);
			}
			server.awaitReady();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server on port " + port, ex);
		}
	}

	/**
	 * Starts a Redis Sentinel process on a free port that monitors a primary under a
	 * name, with a quorum of 2, and considers it down after a second of silence.
	 * @param masterName the name clients ask the sentinels for
	 * @param primary the primary it monitors
	 * @return the running sentinel
	 */
	public static LocalRedisServer startSentinel(String masterName, LocalRedisServer primary) {
		int port = freePort();
		try {
			Path directory = Files.createTempDirectory("redis-sentinel");
			Path config = directory.resolve("sentinel.conf");
			Files.writeString(config,
					String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + directory,
							"sentinel monitor " + masterName + " " + primary.host() + " " + primary.port() + " 2",
							"sentinel down-after-milliseconds " + masterName + " 1000",
							"sentinel failover-timeout " + masterName + " 5000", ""));
			Process process = new ProcessBuilder(binary().toString(), config.toString(), "--sentinel")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			LocalRedisServer sentinel = new LocalRedisServer(port, process, null);
			sentinel.directory = directory;
			sentinel.awaitReady();
			return sentinel;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start a sentinel on port " + port, ex);
		}
	}

	/** Kills the server at once ({@code SIGKILL}), as a crash would. */
	public void kill() {
		if (this.process == null) {
			throw new IllegalStateException("Only a redis-server process can be killed");
		}
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	public String host() {
		return "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	@Override
	public void close() {
		stop();
		if (this.directory != null) {
			FileSystemUtils.deleteRecursively(this.directory.toFile());
		}
	}

	private void stop() {
		if (this.process != null) {
			this.process.destroy();
			try {
				if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.process.destroyForcibly();
			}
		}
		else {
			try {
				this.embedded.stop();
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not stop embedded redis-server", ex);
			}
		}
	}

	private void assignAllSlots() {
		RedisClient client = RedisClient.create(RedisURI.create(host(), this.port));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			commands.clusterAddSlots(IntStream.range(0, SlotHash.SLOT_COUNT).toArray());
			long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
			while (!commands.clusterInfo().contains("cluster_state:ok")) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("The cluster node on port " + this.port
							+ " did not report cluster_state:ok within " + START_TIMEOUT);
				}
				waitBriefly();
			}
		}
		finally {
			client.shutdown();
		}
	}

	private void awaitReady() throws IOException {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		IOException last = null;
		while (System.nanoTime() < deadline) {
			if (this.process != null && !this.process.isAlive()) {
				throw new IOException("redis-server exited with " + this.process.exitValue());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(host(), this.port), 500);
				// Any reply (PONG or NOAUTH) proves the server is serving.
				OutputStream out = socket.getOutputStream();
				out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				InputStream in = socket.getInputStream();
				if (in.read() != -1) {
					return;
				}
			}
			catch (IOException ex) {
				last = ex;
			}
			waitBriefly();
		}
		close();
		throw new IOException("redis-server did not answer on port " + this.port + " within " + START_TIMEOUT, last);
	}

	private static void waitBriefly() {
		try {
			LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
		}
		finally {
			if (Thread.interrupted()) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/** The redis-server on the {@code PATH}, else the one shipped in embedded-redis. */
	private static Path binary() throws IOException {
		Optional<Path> onPath = redisServerOnPath();
		return onPath.isPresent() ? onPath.get()
				: ExecutableProvider.newJarResourceProvider().get().toPath().toAbsolutePath();
	}

	static Optional<Path> redisServerOnPath() {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String dir : path.split(File.pathSeparator)) {
			Path candidate = Path.of(dir, "redis-server");
			if (Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free port", ex);
		}
	}

}
