package dev.pricingengine.common.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;

/**
 * A real Redis Cluster of {@code redis-server} processes on free loopback ports: a number
 * of primaries, each serving an equal range of the 16384 slots, each with one replica.
 * Persistence is off; a node is considered failed after two seconds of silence, so a
 * killed primary's replica is promoted within a few seconds.
 */
public final class LocalRedisCluster implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

	private static final String NODE_TIMEOUT_MILLIS = "2000";

	private final List<LocalRedisServer> primaries;

	private final List<LocalRedisServer> replicas;

	private LocalRedisCluster(List<LocalRedisServer> primaries, List<LocalRedisServer> replicas) {
		this.primaries = primaries;
		this.replicas = replicas;
	}

	/**
	 * Starts a cluster and waits until every node reports it healthy.
	 * @param primaries how many primaries (3 or more)
	 * @return the running cluster
	 */
	public static LocalRedisCluster start(int primaries) {
		List<LocalRedisServer> started = new ArrayList<>();
		try {
			for (int i = 0; i < 2 * primaries; i++) {
				started.add(LocalRedisServer.start("cluster-enabled yes", "cluster-config-file nodes.conf",
						"cluster-node-timeout " + NODE_TIMEOUT_MILLIS));
			}
			LocalRedisCluster cluster = new LocalRedisCluster(List.copyOf(started.subList(0, primaries)),
					List.copyOf(started.subList(primaries, started.size())));
			cluster.form();
			return cluster;
		}
		catch (RuntimeException ex) {
			started.forEach(LocalRedisServer::close);
			throw ex;
		}
	}

	private void form() {
		form(ports(this.primaries), ports(this.replicas));
	}

	private static List<Integer> ports(List<LocalRedisServer> nodes) {
		return nodes.stream().map(LocalRedisServer::port).toList();
	}

	/**
	 * Forms a cluster of {@code redis-server} processes started with
	 * {@code cluster-enabled yes} on the loopback address: each primary serves an equal
	 * range of the slots, replica {@code i} (if any) follows primary {@code i}; waits
	 * until every node reports the cluster healthy.
	 * @param primaries the primaries' ports (3 or more)
	 * @param replicas the replicas' ports, none or one per primary
	 */
	public static void form(List<Integer> primaries, List<Integer> replicas) {
		List<Integer> all = new ArrayList<>(primaries);
		all.addAll(replicas);
		for (int node : all.subList(1, all.size())) {
			run(node, (redis) -> redis.clusterMeet("127.0.0.1", all.get(0)));
		}
		int count = primaries.size();
		for (int i = 0; i < count; i++) {
			int[] slots = IntStream.range(i * SlotHash.SLOT_COUNT / count, (i + 1) * SlotHash.SLOT_COUNT / count)
				.toArray();
			run(primaries.get(i), (redis) -> redis.clusterAddSlots(slots));
		}
		// a replica can follow its primary only once it knows it
		awaitOnEveryNode(all, (info) -> info.contains("cluster_known_nodes:" + all.size() + "\r\n"), "know every node");
		for (int i = 0; i < replicas.size(); i++) {
			String primaryId = run(primaries.get(i), RedisCommands::clusterMyId);
			run(replicas.get(i), (redis) -> redis.clusterReplicate(primaryId));
		}
		awaitHealthy(all);
	}

	/**
	 * Waits until every node reports {@code cluster_state:ok}.
	 * @param nodes the nodes' ports on the loopback address
	 */
	public static void awaitHealthy(List<Integer> nodes) {
		awaitOnEveryNode(nodes, (info) -> info.contains("cluster_state:ok"), "report cluster_state:ok");
	}

	private static void awaitOnEveryNode(List<Integer> nodes, Predicate<String> condition, String what) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (!nodes.stream().allMatch((node) -> condition.test(clusterInfo(node)))) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The cluster's nodes did not " + what + " within " + START_TIMEOUT);
			}
			LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
		}
	}

	/** A node's CLUSTER INFO, or nothing while it loads its data (a restarted node). */
	private static String clusterInfo(int port) {
		try {
			return run(port, RedisCommands::clusterInfo);
		}
		catch (RedisLoadingException ex) {
			return "";
		}
	}

	private static <T> T run(int port, Function<RedisCommands<String, String>, T> call) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return call.apply(connection.sync());
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	/**
	 * Every node, as {@code spring.data.redis.cluster.nodes} takes them.
	 * @return {@code host:port,host:port,...}
	 */
	public String nodes() {
		return all().stream().map((node) -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
	}

	/**
	 * The node addresses.
	 * @return {@code host:port} of each node, primaries first
	 */
	public List<String> nodeAddresses() {
		return all().stream().map((node) -> node.host() + ":" + node.port()).toList();
	}

	/**
	 * The primary that serves a key's slot as the cluster was formed (before any
	 * failover).
	 * @param key a key
	 * @return its primary
	 */
	public LocalRedisServer primaryAtStartOf(String key) {
		int slot = SlotHash.getSlot(key);
		int count = this.primaries.size();
		return IntStream.range(0, count)
			.filter((i) -> slot < (i + 1) * SlotHash.SLOT_COUNT / count)
			.mapToObj(this.primaries::get)
			.findFirst()
			.orElseThrow();
	}

	private List<LocalRedisServer> all() {
		List<LocalRedisServer> all = new ArrayList<>(this.primaries);
		all.addAll(this.replicas);
		return all;
	}

	@Override
	public void close() {
		all().forEach(LocalRedisServer::close);
	}

}
