package dev.pricingengine.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.pricingengine.common.test.LocalRedisCluster;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import redis.embedded.core.ExecutableProvider;

import static org.awaitility.Awaitility.await;

/**
 * The chaos suite's own Redis: one redis-server, a Redis Cluster of primaries, or one
 * primary behind three Redis Sentinels; each data node with AOF fsynced on every write,
 * so that the suite can crash (SIGKILL) a node and start it again on the same port and
 * data. The {@code redis-server} on the {@code PATH}, else the binary shipped in the
 * embedded-redis artifact.
 * <p>
 * There are no replicas, and the cluster's node timeout and the sentinels' down-after
 * time are far above a crash and restart: a crashed node comes back with everything it
 * acknowledged (its AOF) before it could be failed over, so the suite's oracle can hold
 * every acknowledged write to account. Losing acknowledged writes to an asynchronous
 * replica's promotion is the failover rounds' subject ({@code FailoverIntegrationTests}),
 * with the replicas' {@code WAIT}.
 */
final class ChaosRedis implements AutoCloseable {

	/**
	 * Far above a crash and restart (about a second): no node is ever marked failed, no
	 * primary down.
	 */
	private static final String FAILURE_DETECTION_MILLIS = "30000";

	/** The name the sentinels know the primary by. */
	private static final String SENTINEL_MASTER = "chaos";

	/** What the suite's Redis is, as scripts/chaos.sh's {@code CHAOS_REDIS} names it. */
	enum Kind {

		STANDALONE, CLUSTER, SENTINEL;

		String label() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	private final Kind kind;

	/** The nodes that hold data (the server, every primary of the cluster). */
	private final List<Node> nodes;

	private final List<Node> sentinels;

	private ChaosRedis(Kind kind, List<Node> nodes, List<Node> sentinels) {
		this.kind = kind;
		this.nodes = nodes;
		this.sentinels = sentinels;
	}

	/** Starts one server, its data in a directory. */
	static ChaosRedis standalone(Path dataDirectory) throws IOException {
		ChaosRedis redis = new ChaosRedis(Kind.STANDALONE,
				List.of(Node.server(dataDirectory, LocalStack.freePorts(1), List.of())), List.of());
		redis.startNodes();
		return redis;
	}

	/**
	 * Starts one server (its data in a directory) and three sentinels monitoring it
	 * (quorum 2), through which the services find it.
	 */
	static ChaosRedis sentinel(Path dataDirectory) throws IOException {
		int primary = LocalStack.freePorts(1);
		List<Node> sentinels = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			int port = LocalStack.freePorts(1);
			Path directory = Files.createDirectories(dataDirectory.resolve("sentinel-" + i));
			Path config = directory.resolve("sentinel.conf");
			Files.writeString(config, String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + directory,
					"sentinel monitor " + SENTINEL_MASTER + " 127.0.0.1 " + primary + " 2",
					"sentinel down-after-milliseconds " + SENTINEL_MASTER + " " + FAILURE_DETECTION_MILLIS, ""));
			sentinels.add(new Node(directory, port, List.of(config.toString(), "--sentinel")));
		}
		ChaosRedis redis = new ChaosRedis(Kind.SENTINEL,
				List.of(Node.server(Files.createDirectories(dataDirectory.resolve("primary")), primary, List.of())),
				List.copyOf(sentinels));
		redis.startNodes();
		return redis;
	}

	/**
	 * Starts a cluster of primaries, each serving an equal range of the slots, their data
	 * in directories named for their ports under a directory.
	 */
	static ChaosRedis cluster(Path dataDirectory, int primaries) throws IOException {
		int firstPort = freeClusterPorts(primaries);
		List<String> clusterSettings = List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", FAILURE_DETECTION_MILLIS);
		List<Node> nodes = new ArrayList<>();
		for (int port = firstPort; port < firstPort + primaries; port++) {
			nodes.add(Node.server(Files.createDirectories(dataDirectory.resolve(String.valueOf(port))), port,
					clusterSettings));
		}
		ChaosRedis redis = new ChaosRedis(Kind.CLUSTER, List.copyOf(nodes), List.of());
		redis.startNodes();
		redis.formCluster();
		return redis;
	}

	/**
	 * The first of consecutive free ports whose cluster bus ports (+10000) are free too.
	 */
	private static int freeClusterPorts(int count) {
		for (int attempt = 0; attempt < 20; attempt++) {
			int first = LocalStack.freePorts(count);
			if (IntStream.range(first, first + count).allMatch((port) -> LocalStack.isFree(port + 10_000))) {
				return first;
			}
		}
		throw new IllegalStateException("No " + count + " consecutive free ports with free cluster bus ports");
	}

	private void startNodes() throws IOException {
		try {
			for (Node node : this.nodes) {
				node.start();
			}
			for (Node sentinel : this.sentinels) {
				sentinel.start();
			}
		}
		catch (IOException | RuntimeException ex) {
			close();
			throw ex;
		}
	}

	private void formCluster() {
		try {
			LocalRedisCluster.form(ports(), List.of());
		}
		catch (RuntimeException ex) {
			close();
			throw ex;
		}
	}

	Kind kind() {
		return this.kind;
	}

	/**
	 * Whether a proxy can stand between a service and this Redis: not where clients are
	 * told the nodes' own addresses (by the cluster, by the sentinels).
	 */
	boolean canBeProxied() {
		return this.kind == Kind.STANDALONE;
	}

	/** The port of the server (the primary), or of the cluster's first node. */
	int port() {
		return this.nodes.get(0).port;
	}

	/** The port of every node that holds data (every primary, on a cluster). */
	List<Integer> ports() {
		return this.nodes.stream().map((node) -> node.port).toList();
	}

	/**
	 * What scripts/run-local.sh needs besides {@code REDIS_URL} to use this Redis: the
	 * cluster's nodes, or the sentinels and the primary's name.
	 */
	Map<String, String> environment() {
		return switch (this.kind) {
			case STANDALONE -> Map.of();
			case CLUSTER -> Map.of("SPRING_DATA_REDIS_CLUSTER_NODES", addresses(this.nodes));
			case SENTINEL -> Map.of("SPRING_DATA_REDIS_SENTINEL_MASTER", SENTINEL_MASTER,
					"SPRING_DATA_REDIS_SENTINEL_NODES", addresses(this.sentinels));
		};
	}

	private static String addresses(List<Node> nodes) {
		return nodes.stream().map((node) -> "127.0.0.1:" + node.port).collect(Collectors.joining(","));
	}

	/** The port of the node serving a key (the server itself, when not a cluster). */
	int portServing(String key) {
		int slot = SlotHash.getSlot(key);
		int count = this.nodes.size();
		return this.nodes.get((this.kind == Kind.CLUSTER) ? slot * count / SlotHash.SLOT_COUNT : 0).port;
	}

	/**
	 * Kills a node with SIGKILL, as a crash would (no shutdown, no final save), and
	 * starts it again on its port from its append-only file (and, on a cluster, its
	 * nodes.conf: its identity and slots) after a pause.
	 */
	void crashAndRestart(int port, Duration down) throws IOException, InterruptedException {
		Node node = this.nodes.stream().filter((n) -> n.port == port).findFirst().orElseThrow();
		node.crash();
		Thread.sleep(down.toMillis());
		node.start();
		if (this.kind == Kind.CLUSTER) {
			LocalRedisCluster.awaitHealthy(ports());
		}
	}

	/**
	 * A connection of the suite's own (to the primary itself behind the sentinels: it is
	 * never failed over), that routes each key to its node on a cluster.
	 */
	Connection connect() {
		if (this.kind != Kind.CLUSTER) {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + port());
			StatefulRedisConnection<String, String> connection = client.connect();
			return new Connection(client, connection, connection.sync(), connection.async());
		}
		RedisClusterClient client = RedisClusterClient
			.create(ports().stream().map((port) -> RedisURI.create("127.0.0.1", port)).toList());
		StatefulRedisClusterConnection<String, String> connection = client.connect();
		return new Connection(client, connection, connection.sync(), connection.async());
	}

	@Override
	public void close() {
		this.sentinels.forEach(Node::stop);
		this.nodes.forEach(Node::stop);
	}

	private static Path binary() throws IOException {
		return ChildProcess.onPath("redis-server")
			.orElse(ExecutableProvider.newJarResourceProvider().get().toPath().toAbsolutePath());
	}

	/**
	 * The suite's connection: the commands of a standalone server and of a cluster alike.
	 *
	 * @param client its client
	 * @param connection the connection
	 * @param sync its synchronous commands
	 * @param async its asynchronous commands
	 */
	record Connection(AbstractRedisClient client, StatefulConnection<String, String> connection,
			RedisClusterCommands<String, String> sync,
			RedisClusterAsyncCommands<String, String> async) implements AutoCloseable {

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown();
		}

	}

	/** One redis-server process of the suite's Redis: a data node or a sentinel. */
	private static final class Node {

		private final Path dataDirectory;

		private final int port;

		/** redis-server's arguments. */
		private final List<String> arguments;

		private ChildProcess server;

		Node(Path dataDirectory, int port, List<String> arguments) {
			this.dataDirectory = dataDirectory;
			this.port = port;
			this.arguments = arguments;
		}

		/** A data node: AOF fsynced on every write, no RDB snapshots. */
		static Node server(Path dataDirectory, int port, List<String> extraSettings) {
			List<String> arguments = new ArrayList<>(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1",
					"--save", "", "--dir", dataDirectory.toString(), "--appendonly", "yes", "--appendfsync", "always"));
			arguments.addAll(extraSettings);
			return new Node(dataDirectory, port, List.copyOf(arguments));
		}

		void start() throws IOException {
			List<String> command = new ArrayList<>(List.of(binary().toString()));
			command.addAll(this.arguments);
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

		void crash() {
			Process process = this.server.process();
			process.destroyForcibly();
			process.onExit().join();
			this.server.stop(Duration.ZERO);
		}

		void stop() {
			if (this.server != null) {
				this.server.stop(Duration.ofSeconds(10));
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

	}

}
