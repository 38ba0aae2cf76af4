package dev.pricingengine.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole stack as {@code scripts/run-local.sh} runs it, with
 * {@code pricing.events.min-replicas=1}, while the Redis primary that holds the intake
 * (event sequence, unbridged events, job stream, job statuses) is killed
 * ({@code SIGKILL}) under a steady stream of events and its replica promoted: on a local
 * Redis Cluster ({@code REDIS_CLUSTER=3}), where the primary holding the prices, the lock
 * and its fence is killed next, and on a primary, a replica and three sentinels. The
 * killed server is started again afterwards, as an orchestrator would, and rejoins as a
 * replica. Proven against the test's own record of what the API answered: every event
 * answered 202 ends in a finished job (none lost with the dead primary), every refusal in
 * between is retryable (503, or 429 from the publish rate limit this publisher reaches),
 * and the prices follow the rule with the newest factors.
 */
class FailoverIntegrationTests {

	private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":\"([^\"]+)\"");

	private static final int CATEGORIES = 20;

	private static final String MASTER_NAME = "pricing-failover";

	@Test
	void onRedisClusterLosesNoAcceptedEventWhenTheIntakesThenThePricesPrimaryIsKilled(@TempDir Path runDir)
			throws Exception {
		int firstNode = LocalStack.freePorts(6);
		Map<String, String> environment = Map.of("REDIS_CLUSTER", "3", "REDIS_CLUSTER_PORT", String.valueOf(firstNode),
				"PRICING_EVENTS_MIN_REPLICAS", "1", "PRICING_CATALOG_DEMO_SIZE", "1000");
		List<ChildProcess> restarted = new ArrayList<>();
		try (LocalStack stack = LocalStack.start(runDir, firstNode, environment)) {
			assertThat(stack.output()).contains("started a Redis Cluster: 3 primaries and 3 replicas");
			// the intake's primary, then the one holding the prices, the lock and its
			// fence (the price cache's tracked reads, the worker's lock on a promoted
			// node)
			underAStreamOfEvents(stack, runDir, () -> clusterNodes(firstNode),
					() -> restarted.add(killPrimaryServing(firstNode, "{intake}", runDir)),
					() -> restarted.add(killPrimaryServing(firstNode, "{p0}", runDir)));
		}
		finally {
			for (ChildProcess process : restarted) {
				process.stop(Duration.ofSeconds(10));
			}
		}
	}

	/**
	 * Kills the cluster's primary serving a key, waits until its replica is promoted, and
	 * starts it again from its directory: it rejoins as the promoted replica's replica.
	 * @return the restarted server
	 */
	private static ChildProcess killPrimaryServing(int firstNode, String key, Path runDir) throws IOException {
		int primary = primaryServing(firstNode, key);
		ProcessHandle victim = ProcessHandle.of(processId(primary))
			.orElseThrow(() -> new AssertionError("no redis-server on port " + primary));
		assertThat(victim.info().command()).hasValueSatisfying((command) -> assertThat(command).contains("redis"));
		victim.destroyForcibly();
		await("a replica promoted in place of the killed primary of " + key).atMost(Duration.ofSeconds(30))
			.until(() -> primaryServing(firstNode, key) != primary);
		return ChildProcess.start(List.of("redis-server", "--port", String.valueOf(primary), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "5000", "--dir", runDir.resolve("redis-cluster/" + primary).toString()),
				Map.of(), runDir,
				ProcessBuilder.Redirect.appendTo(runDir.resolve("logs/redis-restarted-" + primary + ".log").toFile()));
	}

	@Test
	void onSentinelLosesNoAcceptedEventWhenThePrimaryIsKilled(@TempDir Path runDir) throws Exception {
		LocalRedisServer[] restarted = new LocalRedisServer[1];
		try (LocalRedisServer primary = LocalRedisServer.start();
				LocalRedisServer replica = LocalRedisServer.start("replicaof " + primary.host() + " " + primary.port());
				LocalRedisServer sentinel1 = LocalRedisServer.startSentinel(MASTER_NAME, primary);
				LocalRedisServer sentinel2 = LocalRedisServer.startSentinel(MASTER_NAME, primary);
				LocalRedisServer sentinel3 = LocalRedisServer.startSentinel(MASTER_NAME, primary)) {
			String sentinels = Stream.of(sentinel1, sentinel2, sentinel3)
				.map((sentinel) -> sentinel.host() + ":" + sentinel.port())
				.collect(Collectors.joining(","));
			Map<String, String> environment = Map.of("SPRING_DATA_REDIS_SENTINEL_MASTER", MASTER_NAME,
					"SPRING_DATA_REDIS_SENTINEL_NODES", sentinels, "PRICING_EVENTS_MIN_REPLICAS", "1",
					"PRICING_CATALOG_DEMO_SIZE", "1000");
			await("the sentinels know the replica").atMost(Duration.ofSeconds(30))
				.until(() -> replicasKnownTo(sentinel1) == 1);
			try (LocalStack stack = LocalStack.start(runDir, primary.port(), environment)) {
				assertThat(stack.output()).contains("using the Redis at 127.0.0.1:" + primary.port());
				Supplier<String> sentinelsSaw = () -> Stream.of(sentinel1, sentinel2, sentinel3)
					.map((sentinel) -> "sentinel on " + sentinel.port() + ":\n" + sentinel.sentinelEvents())
					.collect(Collectors.joining("\n"));
				underAStreamOfEvents(stack, runDir, sentinelsSaw, () -> {
					primary.kill();
					await("the sentinels promote the replica").atMost(Duration.ofSeconds(30))
						.until(() -> primaryPortKnownTo(sentinel1) == replica.port());
					// started again, it follows the new primary
					restarted[0] = LocalRedisServer.start(primary.port(),
							"replicaof " + replica.host() + " " + replica.port());
				});
				// one failover, none aimed at the promoted replica: a second one could
				// promote the restarted server before its first sync, empty
				for (LocalRedisServer sentinel : List.of(sentinel1, sentinel2, sentinel3)) {
					assertThat(sentinel.sentinelEvents()).as("what the sentinel on %d saw", sentinel.port())
						.contains("+switch-master " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 127.0.0.1 "
								+ replica.port())
						.doesNotContain("+try-failover master " + MASTER_NAME + " 127.0.0.1 " + replica.port());
				}
			}
		}
		finally {
			if (restarted[0] != null) {
				restarted[0].close();
			}
		}
	}

	/**
	 * Publishes category factors steadily, fails Redis over meanwhile, waits until events
	 * are accepted again, then checks what was answered against what happened.
	 * @param redisView what Redis did, for a failure's message
	 */
	private static void underAStreamOfEvents(LocalStack stack, Path runDir, Supplier<String> redisView,
			Failover... failovers) throws Exception {
		List<String> accepted = new ArrayList<>();
		Map<Integer, String> refused = new HashMap<>();
		AtomicBoolean publishing = new AtomicBoolean(true);
		Thread publisher = new Thread(() -> {
			Random random = new Random(42);
			while (publishing.get()) {
				String category = "C-" + (random.nextInt(CATEGORIES) + 1);
				publish(stack, category, "1.0" + random.nextInt(10), accepted, refused);
			}
		}, "publisher");
		try {
			publisher.start();
			await("events accepted before the failover").atMost(Duration.ofSeconds(30))
				.until(() -> size(accepted) >= 20);
			for (Failover failover : failovers) {
				failover.run();
				// events keep coming until the pipeline runs on the promoted replica,
				// with a replica of its own again (min-replicas: with none, events are
				// refused)
				int acceptedAtPromotion = size(accepted);
				await("events accepted again after the failover").atMost(Duration.ofSeconds(60))
					.until(() -> size(accepted) >= acceptedAtPromotion + 10);
			}
		}
		finally {
			publishing.set(false);
			publisher.join();
		}
		check(stack, runDir, redisView, accepted, refused);
	}

	private static long replicasKnownTo(LocalRedisServer sentinel) {
		return askSentinel(sentinel, (redis) -> Long.parseLong(redis.master(MASTER_NAME).get("num-slaves")));
	}

	private static int primaryPortKnownTo(LocalRedisServer sentinel) {
		return askSentinel(sentinel, (redis) -> ((InetSocketAddress) redis.getMasterAddrByName(MASTER_NAME)).getPort());
	}

	private static <T> T askSentinel(LocalRedisServer sentinel,
			Function<RedisSentinelCommands<String, String>, T> ask) {
		RedisClient client = RedisClient.create(RedisURI.create(sentinel.host(), sentinel.port()));
		try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel()) {
			return ask.apply(connection.sync());
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	/** What a failover round does to Redis. */
	@FunctionalInterface
	private interface Failover {

		void run() throws Exception;

	}

	/**
	 * Every accepted event's job finished, refusals were retryable, and once new factors
	 * are published for every category, the prices follow the rule with them.
	 */
	private static void check(LocalStack stack, Path runDir, Supplier<String> redisView, List<String> accepted,
			Map<Integer, String> refused) throws Exception {
		// retryable only: 503 (Redis unavailable, no listener, not replicated), 429
		// (the publish rate limit, which this publisher reaches)
		assertThat(refused.keySet())
			.as("statuses of refused events, with the first answer of each: %s; what the API logged: %s", refused,
					problems(runDir.resolve("logs/api.log")))
			.isSubsetOf(503, 429);
		assertEveryJobFinishes(stack, runDir, redisView, accepted);
		// the newest factor of each category, from events the test saw accepted
		Map<String, String> factors = new HashMap<>();
		List<String> finalJobs = new ArrayList<>();
		for (int i = 1; i <= CATEGORIES; i++) {
			String factor = "1.1" + (i % 10);
			factors.put("C-" + i, factor);
			List<String> one = new ArrayList<>();
			String category = "C-" + i;
			await().atMost(Duration.ofSeconds(30)).until(() -> publish(stack, category, factor, one, new HashMap<>()));
			finalJobs.addAll(one);
		}
		for (String eventId : finalJobs) {
			await().atMost(Duration.ofSeconds(60))
				.untilAsserted(() -> assertThat(stack.get(stack.apiPort, "/api/v1/jobs/" + eventId).body())
					.containsAnyOf("\"state\":\"SUCCEEDED\"", "\"state\":\"COALESCED\""));
		}
		for (int product = 1; product <= 1000; product += 37) {
			String catalogEntry = stack.get(stack.apiPort, "/api/v1/catalog/P-" + product).body();
			BigDecimal expected = new BigDecimal(JsonFields.field(catalogEntry, "base_price"))
				.multiply(new BigDecimal(factors.get(JsonFields.field(catalogEntry, "category", "C-[0-9]+"))))
				.max(new BigDecimal(JsonFields.field(catalogEntry, "floor_price")))
				.min(new BigDecimal(JsonFields.field(catalogEntry, "ceiling_price")))
				.setScale(2, RoundingMode.HALF_EVEN);
			String path = "/api/v1/prices/P-" + product;
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(
						new BigDecimal(JsonFields.field(stack.get(stack.apiPort, path).body(), "market_price")))
					.as(path)
					.isEqualByComparingTo(expected));
		}
	}

	/**
	 * Every accepted event's job finishes within 90 seconds; if some do not, the failure
	 * names them with their last answers and what each service logged as going wrong (CI
	 * keeps nothing but the output).
	 */
	private static void assertEveryJobFinishes(LocalStack stack, Path runDir, Supplier<String> redisView,
			List<String> accepted) throws IOException {
		Map<String, String> unfinished = new LinkedHashMap<>();
		accepted.forEach((eventId) -> unfinished.put(eventId, "not asked yet"));
		try {
			await("the jobs of the accepted events").atMost(Duration.ofSeconds(90))
				.pollInterval(Duration.ofMillis(500))
				.until(() -> {
					for (Map.Entry<String, String> job : unfinished.entrySet()) {
						job.setValue(stack.get(stack.apiPort, "/api/v1/jobs/" + job.getKey()).body());
					}
					unfinished.values()
						.removeIf((answer) -> answer.contains("\"state\":\"SUCCEEDED\"")
								|| answer.contains("\"state\":\"COALESCED\""));
					return unfinished.isEmpty();
				});
		}
		catch (ConditionTimeoutException ex) {
			StringBuilder logged = new StringBuilder();
			try (Stream<Path> logs = Files.list(runDir.resolve("logs"))) {
				for (Path log : logs.sorted().toList()) {
					logged.append("\n--- ").append(log.getFileName()).append(problems(log));
				}
			}
			throw new AssertionError(unfinished.size() + " of the " + accepted.size()
					+ " accepted events have no finished job after 90 s: " + unfinished + "\nWhat the services logged:"
					+ logged + "\nWhat Redis did:\n" + redisView.get(), ex);
		}
	}

	/** The warnings and errors a service logged, the first 40. */
	private static String problems(Path log) throws IOException {
		try (Stream<String> lines = Files.lines(log)) {
			return lines.filter((line) -> line.contains(" WARN ") || line.contains(" ERROR "))
				.limit(40)
				.map((line) -> "\n" + line)
				.collect(Collectors.joining());
		}
	}

	/**
	 * Publishes one category factor; records the event id if accepted, else the status
	 * (with its first answer).
	 */
	private static boolean publish(LocalStack stack, String category, String factor, List<String> accepted,
			Map<Integer, String> refused) {
		try {
			HttpResponse<String> response = stack.post(stack.apiPort, "/api/v1/publish-market-event",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"category\":\"" + category + "\"}");
			if (response.statusCode() == 202) {
				Matcher id = EVENT_ID.matcher(response.body());
				assertThat(id.find()).as(response.body()).isTrue();
				synchronized (accepted) {
					accepted.add(id.group(1));
				}
				return true;
			}
			synchronized (refused) {
				refused.putIfAbsent(response.statusCode(), response.body());
			}
			return false;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static int size(List<String> list) {
		synchronized (list) {
			return list.size();
		}
	}

	/** The port of the primary serving a key, as a live node of the cluster sees it. */
	private static int primaryServing(int firstNode, String key) {
		for (int port = firstNode; port < firstNode + 6; port++) {
			Optional<RedisClusterNode> primary = clusterView(port)
				.map((nodes) -> nodes.getPartitionBySlot(SlotHash.getSlot(key)));
			if (primary.isPresent()) {
				return primary.get().getUri().getPort();
			}
		}
		throw new AssertionError("no node of the cluster answers");
	}

	/** The pid of the redis-server on a port, as it reports it. */
	private static long processId(int port) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			Matcher pid = Pattern.compile("process_id:(\\d+)").matcher(connection.sync().info("server"));
			assertThat(pid.find()).isTrue();
			return Long.parseLong(pid.group(1));
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	/** The cluster as the first node that answers sees it ({@code CLUSTER NODES}). */
	private static String clusterNodes(int firstNode) {
		for (int port = firstNode; port < firstNode + 6; port++) {
			RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				return "CLUSTER NODES on " + port + ":\n" + connection.sync().clusterNodes();
			}
			catch (RuntimeException ex) {
				// the next node
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
		}
		return "no node of the cluster answers";
	}

	private static Optional<Partitions> clusterView(int port) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return Optional.of(ClusterPartitionParser.parse(connection.sync().clusterNodes()));
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

}
