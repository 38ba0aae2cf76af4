package dev.pricingengine.common.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

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

	private static final String SENTINEL_LOG = "sentinel.log";

	/**
	 * How long a sentinel waits for a server's answer before it considers it down. Above
	 * the one second between a sentinel's pings: at one second, the link a sentinel opens
	 * to a replica it just promoted counted as silent for a second before its first ping
	 * (seen: the promoted primary down a second after its promotion, and a second
	 * failover tried, which could promote the killed primary restarted as an empty
	 * replica).
	 */
	private static final Duration SENTINEL_DOWN_AFTER = Duration.ofSeconds(3);

	private final int port;

	private final Process process;

	private final RedisServer embedded;

	private Path directory;

	private Path certificateAuthority;

	private LocalRedisServer(int port, Process process, RedisServer embedded) {
		this.port = port;
		this.process = process;
		this.embedded = embedded;
		if (process != null) {
			Orphans.PROCESSES.add(process);
		}
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
		// a directory of its own unless given one: a replica's full sync writes dump.rdb
		// there even with saving off, and a server started later in the same place loads
		// it
		Path directory = null;
		if (settings.stream().noneMatch((setting) -> setting.startsWith("dir "))) {
			try {
				directory = Files.createTempDirectory("redis-server");
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			settings.add("dir " + directory);
		}
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
			server.directory = directory;
			server.awaitReady();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start redis-server on port " + port, ex);
		}
	}

	/**
	 * Starts a Redis Sentinel process on a free port that monitors a primary under a
	 * name, with a quorum of 2, and considers it down after {@link #SENTINEL_DOWN_AFTER}
	 * of silence.
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
							"logfile " + directory.resolve(SENTINEL_LOG),
							"sentinel monitor " + masterName + " " + primary.host() + " " + primary.port() + " 2",
							"sentinel down-after-milliseconds " + masterName + " " + SENTINEL_DOWN_AFTER.toMillis(),
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

	/**
	 * What a sentinel saw and did, from its log: each event ({@code +sdown},
	 * {@code +switch-master}, ...) on a line.
	 * @return its events, oldest first
	 */
	public String sentinelEvents() {
		try (Stream<String> lines = Files.lines(this.directory.resolve(SENTINEL_LOG))) {
			return lines.filter((line) -> line.matches(".* [#*] [-+].*")).collect(Collectors.joining("\n"));
		}
		catch (IOException ex) {
			return "(no sentinel log: " + ex.getMessage() + ")";
		}
	}

	/**
	 * Starts a server that speaks only TLS, on a free port, with a certificate for
	 * {@code 127.0.0.1} signed by a certificate authority of its own (made with
	 * {@code openssl}); clients need not present one.
	 * @param directory where the certificates go
	 * @return the running server; {@link #certificateAuthority()} is what clients trust
	 */
	public static LocalRedisServer startTls(Path directory) {
		Path ca = directory.resolve("ca.crt");
		Path cert = directory.resolve("server.crt");
		Path key = directory.resolve("server.key");
		openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
				"-days", "2", "-subj", "/CN=pricing-test-ca");
		openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
				"-subj", "/CN=127.0.0.1");
		try {
			Files.writeString(directory.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		openssl(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
				"-out", "server.crt", "-days", "2", "-extfile", "san.cnf");
		int port = freePort();
		try {
			Process process = new ProcessBuilder(binary().toString(), "--port", "0", "--tls-port", String.valueOf(port),
					"--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(), "--tls-ca-cert-file",
					ca.toString(), "--tls-auth-clients", "no", "--bind", "127.0.0.1", "--save", "", "--appendonly",
					"no", "--dir", directory.toString())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			LocalRedisServer server = new LocalRedisServer(port, process, null);
			server.certificateAuthority = ca;
			server.awaitListening();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start a TLS redis-server on port " + port, ex);
		}
	}

	/**
	 * Whether {@link #startTls} can run here: a {@code redis-server} on the {@code PATH}
	 * (the embedded-redis binaries are built without TLS) and {@code openssl}.
	 * @return whether both are installed
	 */
	public static boolean canStartTls() {
		return redisServerOnPath().isPresent() && onPath("openssl").isPresent();
	}

	/**
	 * The certificate of the authority that signed a TLS server's certificate.
	 * @return its PEM file
	 */
	public Path certificateAuthority() {
		return this.certificateAuthority;
	}

	private static void openssl(Path directory, String... arguments) {
		List<String> command = new ArrayList<>(List.of("openssl"));
		command.addAll(List.of(arguments));
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("openssl " + String.join(" ", arguments) + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
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
		if (this.process != null) {
			Orphans.PROCESSES.remove(this.process);
		}
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

	/** Waits until the port accepts connections (a TLS server answers no plain PING). */
	private void awaitListening() throws IOException {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IOException("redis-server exited with " + this.process.exitValue());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(host(), this.port), 500);
				return;
			}
			catch (IOException ex) {
				waitBriefly();
			}
		}
		close();
		throw new IOException("redis-server did not listen on port " + this.port + " within " + START_TIMEOUT);
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
		return onPath("redis-server");
	}

	private static Optional<Path> onPath(String program) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String dir : path.split(File.pathSeparator)) {
			Path candidate = Path.of(dir, program);
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

	/**
	 * The server processes not closed yet, killed when the JVM exits: a test class that
	 * fails while starting its servers (before its {@code @AfterAll} can run) leaves none
	 * behind.
	 */
	private static final class Orphans {

		static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();

		static {
			Runtime.getRuntime()
				.addShutdownHook(new Thread(() -> PROCESSES.forEach(Process::destroyForcibly), "redis-server-orphans"));
		}

	}

}
