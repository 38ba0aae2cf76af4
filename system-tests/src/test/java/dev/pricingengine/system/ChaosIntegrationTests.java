package dev.pricingengine.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.StreamGroupInfo;
import dev.pricingengine.system.ChaosHistory.Fault;
import dev.pricingengine.system.ChaosHistory.Imported;
import dev.pricingengine.system.ChaosHistory.Outcome;
import dev.pricingengine.system.ChaosHistory.Published;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chaos suite, checked the way Jepsen checks a system: the whole stack as real
 * processes ({@code scripts/run-local.sh} with two API replicas and
 * {@code RESTART=on-failure}, the pricing data in two partitions, so that both workers
 * recalculate at once, each under its partition's lock) on a Redis of its own with AOF
 * (one server; in two tests run by scripts/chaos.sh only, a Redis Cluster of three
 * primaries and a primary behind three Redis Sentinels); a steady stream of market events
 * through both replicas, reads of hot prices, and a nemesis that injects faults on a
 * schedule drawn from a printed seed: the worker holding the lock killed mid-pass, a
 * listener killed, every listener stopped with events in flight and then killed, the lock
 * holder paused past its lease, the lock holder, the listeners or an API replica cut off
 * from Redis (one server only), Redis (a cluster's primary) killed and restarted,
 * transient failures (which overlap the next fault), and a catalog import in the middle
 * of a recalculation. The suite keeps its own history of every operation and answer
 * ({@link ChaosHistory}) and judges the final state, the prices the replicas serve and
 * the writes Redis executed against it alone ({@link ChaosReport}, {@link RedisWriteLog},
 * one per node). {@code -Dchaos.rounds=N} and {@code -Dchaos.seed=S} (scripts/chaos.sh)
 * set the rounds and replay a schedule; CI runs one round on one Redis with a fresh seed.
 */
class ChaosIntegrationTests {

	private static final int ROUNDS = Integer.getInteger("chaos.rounds", 1);

	private static final long SEED = Long.getLong("chaos.seed", new Random().nextLong());

	private static final int EVENTS_PER_SECOND = 10;

	/**
	 * Products of the suite's catalog: a full recalculation takes a while. (With 200,000
	 * the two workers' passes, side by side on two cores, fell behind the stream of
	 * events, and the backlog outlasted the suite's three-minute wait for quiet.)
	 */
	private static final int PRODUCTS = 100_000;

	/** Products read through both replicas during the run (their in-memory tier). */
	private static final int HOT_PRODUCTS = 200;

	/** Other products whose served price is checked at the end, on each replica. */
	private static final int SERVED_SAMPLE = 1_000;

	private static final String LOCK_LEASE = "3s";

	/**
	 * Partitions of the pricing data: each has its lock, fence and tasks, so the two
	 * workers recalculate side by side.
	 */
	private static final int PARTITIONS = 2;

	/** Primaries of the cluster round. */
	private static final int CLUSTER_PRIMARIES = 3;

	private static final RedisKeys KEYS = new RedisKeys("pricing:", "market_events", PARTITIONS);

	private static final String LOCK_NAME = "recalculate_global_lock";

	/** The partition whose task the faults aimed at a lock holder catch early. */
	private static final RedisKeys.Partition CAUGHT = KEYS.partition(0);

	private static final String FENCE = CAUGHT.priceFence(LOCK_NAME);

	private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

	private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":\"([^\"]+)\"");

	private static final Pattern MARKET_PRICE = Pattern.compile("\"market_price\":([0-9.]+)");

	private final ChaosHistory history = new ChaosHistory();

	private final ChaosCatalog catalog = new ChaosCatalog(PRODUCTS);

	private final Random random = new Random(SEED);

	/** Set while the steady stream holds off. */
	private final AtomicBoolean quiet = new AtomicBoolean();

	private final AtomicInteger generations = new AtomicInteger();

	private final Set<String> hot = ConcurrentHashMap.newKeySet();

	/**
	 * The proxies between each service but the first API replica and Redis (the suite
	 * controls the stack through that one), by the service's name in run-local.sh.
	 */
	private final Map<String, ChaosProxy> proxies = new LinkedHashMap<>();

	@Test
	void keepsEveryPromiseUnderARandomScheduleOfFaults(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path runDir)
			throws Exception {
		announce("one Redis", runDir);
		run(runDir, ChaosRedis.standalone(Files.createDirectories(runDir.resolve("redis-data"))));
	}

	/**
	 * The same round on a Redis Cluster of three primaries the suite starts: the intake
	 * and the partitions on different primaries, the API's client tracking on each. A
	 * proxy cannot stand between a service and a cluster (the nodes tell clients their
	 * own addresses), so the network partitions are left out; the Redis crash kills one
	 * of the primaries, drawn from the seed, and restarts it on its AOF. Not part of
	 * {@code ./mvnw verify} (CI time: it took CI to 29.5 minutes, its budget is 25; Redis
	 * Cluster failover is proven there by {@code FailoverIntegrationTests}):
	 * {@code CHAOS_REDIS=cluster scripts/chaos.sh} runs it.
	 */
	@Test
	@EnabledIfSystemProperty(named = "chaos.cluster", matches = "true")
	void keepsEveryPromiseOnARedisClusterUnderARandomScheduleOfFaults(
			@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path runDir) throws Exception {
		announce("a Redis Cluster of " + CLUSTER_PRIMARIES + " primaries", runDir);
		run(runDir, ChaosRedis.cluster(Files.createDirectories(runDir.resolve("redis-data")), CLUSTER_PRIMARIES));
	}

	/**
	 * The same round on a primary the services find through three Redis Sentinels (the
	 * network partitions left out, as on the cluster: the sentinels tell clients the
	 * primary's own address). Not part of {@code ./mvnw verify} (CI time):
	 * {@code CHAOS_REDIS=sentinel scripts/chaos.sh} runs it.
	 */
	@Test
	@EnabledIfSystemProperty(named = "chaos.sentinel", matches = "true")
	void keepsEveryPromiseOnSentinelUnderARandomScheduleOfFaults(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path runDir)
			throws Exception {
		announce("a primary behind three Redis Sentinels", runDir);
		run(runDir, ChaosRedis.sentinel(Files.createDirectories(runDir.resolve("redis-data"))));
	}

	private static void announce(String redis, Path runDir) {
		System.out.println("Chaos suite on " + redis + ": seed " + SEED + ", " + ROUNDS
				+ " round(s); the services' logs in " + runDir + "/logs (kept if the suite fails)");
	}

	private void run(Path runDir, ChaosRedis redis) throws Exception {
		// Redis command timeout above the pause of the lock holder (lease + a batch of
		// another holder): the paused worker's commands in flight are answered when it
		// resumes, it goes on with its pass, and its next write meets the fence (with the
		// default 2 s, it would fail on a timeout first: also safe, but not the fence).
		// A worker whose consumer makes no progress for 30 s (well above a command's
		// timeout and a retry's delay; the default 2 minutes would outlast the suite's
		// wait for quiet) halts and is replaced.
		Map<String, String> environment = new HashMap<>(
				Map.of("RESTART", "on-failure", "APIS", "2", "PRICING_WORKER_LOCK_LEASE", LOCK_LEASE,
						"SPRING_DATA_REDIS_TIMEOUT", "10s", "PRICING_WORKER_STALL_TIMEOUT", "30s",
						"PRICING_CATALOG_DEMO_SIZE", "0", "PRICING_PARTITIONS", String.valueOf(PARTITIONS)));
		environment.putAll(redis.environment());
		if (redis.canBeProxied()) {
			for (String service : List.of("api-2", "listener-1", "listener-2", "worker-1", "worker-2")) {
				ChaosProxy proxy = new ChaosProxy(redis.port());
				this.proxies.put(service, proxy);
				environment.put("REDIS_URL_" + service.toUpperCase(Locale.ROOT).replace('-', '_'),
						"redis://127.0.0.1:" + proxy.port());
			}
		}
		ChaosReport report = new ChaosReport(SEED, ROUNDS, redis, this.history, this.catalog, KEYS);
		List<RedisWriteLog> writes = redis.ports().stream().map(RedisWriteLog::new).toList();
		try (redis;
				LocalStack stack = LocalStack.start(runDir, redis.port(), environment);
				ChaosRedis.Connection connection = redis.connect()) {
			RedisClusterCommands<String, String> commands = connection.sync();
			List<Integer> everything = IntStream.range(0, PRODUCTS).boxed().toList();
			assertThat(importProducts(stack, everything, 0).outcome()).as("the initial import").isEqualTo(Outcome.OK);
			for (int i = 0; i < HOT_PRODUCTS; i++) {
				this.hot.add(ChaosCatalog.id(this.random.nextInt(PRODUCTS)));
			}
			AtomicBoolean running = new AtomicBoolean(true);
			Thread publisher = new Thread(() -> publishSteadily(stack, running, new Random(SEED + 1)),
					"chaos-publisher");
			Thread reader = new Thread(() -> readSteadily(stack, running), "chaos-reader");
			publisher.start();
			reader.start();
			try {
				steady(3);
				for (int round = 1; round <= ROUNDS; round++) {
					runRound(stack, redis, commands, report);
				}
			}
			finally {
				running.set(false);
				publisher.join();
				reader.join();
			}
			assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);
			settle(stack, commands, report);
			check(stack, connection, writes, report);
			assertThat(stack.contractViolations()).as("answers that break the API's OpenAPI document").isEmpty();
		}
		finally {
			for (RedisWriteLog log : writes) {
				log.close();
			}
			for (ChaosProxy proxy : this.proxies.values()) {
				proxy.close();
			}
			Path target = Files.createDirectories(Path.of("target"));
			String name = (redis.kind() == ChaosRedis.Kind.STANDALONE) ? "chaos" : "chaos-" + redis.kind().label();
			this.history.write(target.resolve(name + "-history.txt"), SEED);
			String table = report.table();
			Files.writeString(target.resolve(name + "-report.md"), table, StandardCharsets.UTF_8);
			System.out.println(table);
		}
		report.assertPromisesKept();
	}

	/**
	 * One round: every kind of fault once, in an order drawn from the seed, a few seconds
	 * apart; the transient failures run in the background, overlapping the fault after
	 * them.
	 */
	private void runRound(LocalStack stack, ChaosRedis redis, RedisClusterCommands<String, String> commands,
			ChaosReport report) throws Exception {
		List<String> kinds = new ArrayList<>(List.of("kill-lock-holder", "kill-listener", "listeners-die-holding",
				"pause-lock-holder", "redis-crash", "transient-failures", "import-during-recalculation"));
		if (redis.canBeProxied()) {
			kinds.addAll(List.of("partition-lock-holder", "partition-listeners", "partition-api"));
		}
		Collections.shuffle(kinds, this.random);
		List<Thread> background = new ArrayList<>();
		for (String kind : kinds) {
			switch (kind) {
				case "kill-lock-holder" -> killTheLockHolderMidPass(stack, commands);
				case "kill-listener" -> killAListener(stack);
				case "listeners-die-holding" -> listenersDieHoldingEvents(stack, commands);
				case "pause-lock-holder" -> pauseTheLockHolderPastItsLease(stack, commands);
				case "partition-lock-holder" -> partitionTheLockHolderPastItsLease(stack, commands);
				case "partition-listeners" -> partitionTheListeners(commands);
				case "partition-api" -> partitionAnApiReplica(stack);
				case "redis-crash" -> restartRedis(redis);
				case "transient-failures" -> background.add(inBackground(kind, () -> injectTransientFailures(stack)));
				default -> importDuringRecalculation(stack, commands,
						this.catalog.sample(this.random, PRODUCTS / 10, ChaosEvent.EVENT_PRODUCTS), report);
			}
			steady(2 + this.random.nextInt(3));
		}
		for (Thread thread : background) {
			thread.join(Duration.ofMinutes(3).toMillis());
		}
	}

	private static Thread inBackground(String name, Step step) {
		Thread thread = new Thread(() -> {
			try {
				step.run();
			}
			catch (Exception ex) {
				throw new IllegalStateException(name + " failed", ex);
			}
		}, "chaos-" + name);
		thread.start();
		return thread;
	}

	@FunctionalInterface
	private interface Step {

		void run() throws Exception;

	}

	// --- operations
	// ---------------------------------------------------------------------

	private void publishSteadily(LocalStack stack, AtomicBoolean running, Random events) {
		long interval = 1_000_000_000L / EVENTS_PER_SECOND;
		long next = System.nanoTime();
		for (int n = 0; running.get(); n++) {
			if (!this.quiet.get()) {
				publish(stack, stack.apiPorts().get(n % 2), ChaosEvent.random(events));
			}
			next += interval;
			long wait = next - System.nanoTime();
			if (wait > 0) {
				sleep(Duration.ofNanos(wait));
			}
		}
	}

	private Published publish(LocalStack stack, int port, ChaosEvent event) {
		long invoked = System.currentTimeMillis();
		Published published;
		try {
			HttpResponse<String> response = stack.post(port, "/api/v1/publish-market-event", event.json());
			long completed = System.currentTimeMillis();
			if (response.statusCode() == 202) {
				published = new Published(event, Outcome.OK, invoked, completed,
						Long.parseLong(match(SEQUENCE, response.body())), match(EVENT_ID, response.body()));
			}
			else {
				boolean refused = response.statusCode() < 500 || response.body().contains("No event listener");
				published = new Published(event, refused ? Outcome.FAILED : Outcome.UNKNOWN, invoked, completed, -1,
						null);
			}
		}
		catch (IOException ex) {
			published = new Published(event, Outcome.UNKNOWN, invoked, System.currentTimeMillis(), -1, null);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			published = new Published(event, Outcome.UNKNOWN, invoked, System.currentTimeMillis(), -1, null);
		}
		this.history.published.add(published);
		return published;
	}

	private Imported importProducts(LocalStack stack, List<Integer> products, int generation) {
		long invoked = System.currentTimeMillis();
		Outcome outcome;
		try {
			int status = stack
				.postNdjson(stack.apiPorts().get(1), "/api/v1/catalog", () -> ChaosCatalog.ndjson(products, generation))
				.statusCode();
			outcome = (status == 200) ? Outcome.OK : (status < 500) ? Outcome.FAILED : Outcome.UNKNOWN;
		}
		catch (IOException ex) {
			outcome = Outcome.UNKNOWN;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			outcome = Outcome.UNKNOWN;
		}
		if (outcome == Outcome.OK) {
			this.catalog.imported(products, generation);
		}
		else if (outcome == Outcome.UNKNOWN) {
			this.catalog.maybeImported(products, generation);
		}
		Imported imported = new Imported(products, generation, outcome, invoked, System.currentTimeMillis());
		this.history.imports.add(imported);
		return imported;
	}

	/** Reads the hot products through both replicas, so that they hold them in memory. */
	private void readSteadily(LocalStack stack, AtomicBoolean running) {
		List<String> hot = List.copyOf(this.hot);
		for (int n = 0; running.get(); n++) {
			try {
				stack.get(stack.apiPorts().get(n % 2), "/api/v1/prices/" + hot.get(n % hot.size()));
			}
			catch (IOException ex) {
				// Redis or the replica is down: reads are no operation the checks judge
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			sleep(Duration.ofMillis(20));
		}
	}

	// --- faults ------------------------------------------------------------------------

	/**
	 * Kills (SIGKILL) the worker that holds the lock early in a full recalculation; its
	 * job must be taken over and finished by another worker.
	 */
	private void killTheLockHolderMidPass(LocalStack stack, RedisClusterCommands<String, String> redis)
			throws Exception {
		Holding holding = catchEarlyInAFullPass(stack, redis);
		Fault fault = this.history.begin(
				"SIGKILL the worker holding the lock mid-pass (token " + holding.status().get("fencing_token") + ")");
		int replicas = stack.running("worker-service").size();
		holding.worker().destroyForcibly();
		this.quiet.set(false);
		String job = holding.job();
		await("the killed holder's job is taken over and done").atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> isFinished(redis.hget(job, "state")));
		Map<String, String> status = task(redis.hgetall(job), CAUGHT.index());
		if (!holding.status().get("worker").equals(status.get("worker"))
				&& !"DEAD_LETTERED".equals(status.get("state"))) {
			fault.exercised = "task taken over by " + status.get("worker") + ", " + status.get("state");
		}
		awaitReplacement(stack, "worker-service", List.of(holding.worker()), replicas, fault);
	}

	private void killAListener(LocalStack stack) throws Exception {
		List<ProcessHandle> listeners = stack.running("listener-service");
		ProcessHandle victim = listeners.get(0);
		Fault fault = this.history.begin("SIGKILL a listener (pid " + victim.pid() + ")");
		victim.destroyForcibly();
		fault.exercised = "killed";
		awaitReplacement(stack, "listener-service", List.of(victim), listeners.size(), fault);
	}

	/**
	 * Stops every listener (SIGSTOP: still subscribed, so Redis counts them as receivers
	 * and the API answers 202), publishes a few events, then kills them (SIGKILL): no
	 * listener bridges those events from the channel, the replacements must bridge them
	 * from the envelopes the API kept.
	 */
	private void listenersDieHoldingEvents(LocalStack stack, RedisClusterCommands<String, String> redis)
			throws Exception {
		List<ProcessHandle> victims = stack.running("listener-service");
		Fault fault = this.history.begin("SIGSTOP every listener, publish, SIGKILL them (" + victims.size() + ")");
		for (ProcessHandle victim : victims) {
			Signals.send("STOP", victim);
		}
		List<Published> held = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			held.add(publish(stack, stack.apiPort, ChaosEvent.random(this.random)));
		}
		victims.forEach(ProcessHandle::destroyForcibly);
		awaitReplacement(stack, "listener-service", victims, victims.size(), fault);
		List<Published> accepted = held.stream().filter((p) -> p.outcome() == Outcome.OK).toList();
		await("the events the dead listeners held are bridged").atMost(Duration.ofMinutes(1))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> accepted.stream().allMatch((p) -> redis.exists(job(p)) == 1));
		long redelivered = listenerCount(stack, "redelivered");
		if (!accepted.isEmpty() && redelivered > 0) {
			fault.exercised = accepted.size() + " accepted while held, " + redelivered + " redelivered";
		}
	}

	/**
	 * Pauses the worker holding the lock in a full recalculation, until its lease has
	 * expired and another worker has written prices under a newer token; then lets it go
	 * on, so that its next writes meet the fence.
	 */
	private void pauseTheLockHolderPastItsLease(LocalStack stack, RedisClusterCommands<String, String> redis)
			throws Exception {
		Holding holding = catchEarlyInAFullPass(stack, redis);
		long token = Long.parseLong(holding.status().get("fencing_token"));
		long refusedBefore = fenceRejections(redis);
		Fault fault = this.history
			.begin("SIGSTOP the lock holder past its " + LOCK_LEASE + " lease (token " + token + ")");
		Signals.send("STOP", holding.worker());
		this.quiet.set(false);
		try {
			await("another holder writes prices under a newer token").atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> Long.parseLong(Optional.ofNullable(redis.get(FENCE)).orElse("0")) > token);
		}
		finally {
			Signals.send("CONT", holding.worker());
		}
		await("the resumed holder meets the fence").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> fenceRejections(redis) > refusedBefore);
		fault.exercised = (fenceRejections(redis) - refusedBefore) + " stale batch write(s) refused";
		fault.end();
	}

	/**
	 * Cuts the worker holding the lock early in a full recalculation off from Redis (its
	 * connections stay open, nothing goes through) until its lease has expired and
	 * another worker has written prices under a newer token; then heals the partition:
	 * the writes it had sent arrive and meet the fence.
	 */
	private void partitionTheLockHolderPastItsLease(LocalStack stack, RedisClusterCommands<String, String> redis)
			throws Exception {
		Holding holding = catchEarlyInAFullPass(stack, redis);
		ChaosProxy proxy = proxyOf(holding.worker());
		long token = Long.parseLong(holding.status().get("fencing_token"));
		long refusedBefore = fenceRejections(redis);
		Fault fault = this.history
			.begin("partition the lock holder from Redis past its " + LOCK_LEASE + " lease (token " + token + ")");
		proxy.partition();
		this.quiet.set(false);
		try {
			await("another holder writes prices under a newer token").atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> Long.parseLong(Optional.ofNullable(redis.get(FENCE)).orElse("0")) > token);
		}
		finally {
			proxy.heal();
		}
		await("the healed holder's writes meet the fence").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> fenceRejections(redis) > refusedBefore);
		fault.exercised = (fenceRejections(redis) - refusedBefore)
				+ " stale batch write(s) refused after the partition healed";
		fault.end();
	}

	/**
	 * Cuts both listeners off from Redis for 6 s: still subscribed as far as Redis knows,
	 * so publishing answers 202 while nobody can bridge; once healed, every event
	 * accepted meanwhile must reach the job stream.
	 */
	private void partitionTheListeners(RedisClusterCommands<String, String> redis) {
		List<ChaosProxy> listeners = List.of(this.proxies.get("listener-1"), this.proxies.get("listener-2"));
		Fault fault = this.history.begin("partition both listeners from Redis for 6 s");
		listeners.forEach(ChaosProxy::partition);
		try {
			sleep(Duration.ofSeconds(6));
		}
		finally {
			listeners.forEach(ChaosProxy::heal);
		}
		fault.end();
		List<Published> accepted = this.history.published.stream()
			.filter((p) -> p.outcome() == Outcome.OK && p.invoked() >= fault.began && p.invoked() < fault.ended)
			.toList();
		await("the events accepted during the partition are bridged").atMost(Duration.ofMinutes(1))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> accepted.stream().allMatch((p) -> redis.exists(job(p)) == 1));
		if (!accepted.isEmpty()) {
			fault.exercised = accepted.size() + " accepted during the partition, all bridged once it healed";
		}
	}

	/**
	 * Cuts the second API replica off from Redis for 6 s while it is asked to publish an
	 * event and serves reads (its in-memory tier misses the invalidations meanwhile; what
	 * it serves at the end is checked).
	 */
	private void partitionAnApiReplica(LocalStack stack) throws Exception {
		ChaosProxy proxy = this.proxies.get("api-2");
		Fault fault = this.history.begin("partition API replica 2 from Redis for 6 s");
		proxy.partition();
		ChaosEvent event = ChaosEvent.random(this.random);
		CompletableFuture<Published> publishing = CompletableFuture
			.supplyAsync(() -> publish(stack, stack.apiPorts().get(1), event));
		try {
			sleep(Duration.ofSeconds(6));
		}
		finally {
			proxy.heal();
		}
		fault.end();
		Published published = publishing.get();
		if (published.completed() >= fault.ended) {
			fault.exercised = "a publication held by the partition answered " + published.outcome() + " once it healed";
		}
	}

	/**
	 * The proxy between a service process and Redis, found by the Redis URL it was given.
	 */
	private ChaosProxy proxyOf(ProcessHandle service) throws IOException {
		String environment = Files.readString(Path.of("/proc", String.valueOf(service.pid()), "environ"),
				StandardCharsets.ISO_8859_1);
		return this.proxies.values()
			.stream()
			.filter((proxy) -> environment.contains("REDIS_URL=redis://127.0.0.1:" + proxy.port() + "\0"))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No proxy between process " + service.pid() + " and Redis"));
	}

	/**
	 * Quiets the stream, publishes a full recalculation and waits until a worker holds
	 * the lock for it with most of its pass ahead (tries again if it was done too soon).
	 * Leaves the stream quiet: the caller resumes it.
	 */
	private Holding catchEarlyInAFullPass(LocalStack stack, RedisClusterCommands<String, String> redis) {
		List<String> misses = new ArrayList<>();
		for (int attempt = 0; attempt < 5; attempt++) {
			this.quiet.set(true);
			awaitIdle(stack, redis);
			Published recalculation = publish(stack, stack.apiPort, ChaosEvent.RECALCULATE);
			if (recalculation.outcome() != Outcome.OK) {
				misses.add("publish answered " + recalculation.outcome());
				continue;
			}
			String job = KEYS.job(recalculation.eventId());
			Optional<Map<String, String>> status = awaitEarlyInItsPass(redis, job);
			Optional<ProcessHandle> worker = status.flatMap((s) -> processOf(s.get("worker")));
			if (worker.isPresent()) {
				return new Holding(job, status.get(), worker.get());
			}
			misses.add(status.map((s) -> "no process for worker " + s.get("worker"))
				.orElse("not caught early in its pass: " + task(redis.hgetall(job), CAUGHT.index())));
		}
		this.quiet.set(false);
		throw new IllegalStateException("Could not catch a worker early in a full recalculation: " + misses);
	}

	/** The fields of a job's task for one partition, without their prefix. */
	private static Map<String, String> task(Map<String, String> status, int partition) {
		String prefix = JobFields.partition(partition, "");
		Map<String, String> task = new HashMap<>();
		status.forEach((field, value) -> {
			if (field.startsWith(prefix)) {
				task.put(field.substring(prefix.length()), value);
			}
		});
		return task;
	}

	/**
	 * Waits until a worker holds the lock of the caught partition for the job's task
	 * there with most of its pass ahead. The pipeline was idle when the job was
	 * published, so no other task is ahead of it on the job stream (when idleness meant
	 * only free locks, a backlog on a slow machine kept five tasks in a row waiting).
	 * @return the task's fields
	 */
	private static Optional<Map<String, String>> awaitEarlyInItsPass(RedisClusterCommands<String, String> redis,
			String job) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (System.nanoTime() < deadline) {
			Map<String, String> status = task(redis.hgetall(job), CAUGHT.index());
			String state = status.getOrDefault("state", "");
			if (state.equals("SUCCEEDED") || state.equals("COALESCED") || state.equals("DEAD_LETTERED")) {
				return Optional.empty();
			}
			// no progress reported yet (the first comes after 200 ms) or less than half
			if (status.containsKey("fencing_token") && !status.containsKey("unlocked_at")
					&& Long.parseLong(status.getOrDefault("processed", "0")) < PRODUCTS / PARTITIONS / 2) {
				return Optional.of(status);
			}
			sleep(Duration.ofMillis(20));
		}
		return Optional.empty();
	}

	/**
	 * SIGKILLs Redis and restarts it on its AOF; on a cluster, one of the primaries that
	 * serve the intake or a partition (drawn from the seed), named by the hash tags it
	 * serves.
	 */
	private void restartRedis(ChaosRedis redis) throws Exception {
		List<String> tagged = new ArrayList<>(List.of(KEYS.jobStream()));
		IntStream.range(0, PARTITIONS).mapToObj((p) -> KEYS.partition(p).market()).forEach(tagged::add);
		List<Integer> serving = redis.ports()
			.stream()
			.filter((port) -> tagged.stream().anyMatch((key) -> redis.portServing(key) == port))
			.toList();
		int port = serving.get(this.random.nextInt(serving.size()));
		String what = (redis.kind() != ChaosRedis.Kind.CLUSTER) ? "Redis"
				: "the primary on port " + port + " (serving "
						+ tagged.stream()
							.filter((key) -> redis.portServing(key) == port)
							.map(ChaosIntegrationTests::tagOf)
							.collect(Collectors.joining(" "))
						+ ")";
		Fault fault = this.history.begin("SIGKILL " + what + ", restart it on its AOF");
		redis.crashAndRestart(port, Duration.ofSeconds(1));
		long restarted = System.currentTimeMillis();
		await("the API accepts events again").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> this.history.published.stream()
				.anyMatch((p) -> p.invoked() >= restarted && p.outcome() == Outcome.OK));
		fault.exercised = "events accepted again after the restart";
		fault.end();
	}

	private static String tagOf(String key) {
		return key.substring(key.indexOf('{'), key.indexOf('}') + 1);
	}

	private void injectTransientFailures(LocalStack stack) throws Exception {
		Fault fault = this.history.begin("30% of market-data calls fail for 8 s");
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"failure_rate\":0.3}").statusCode())
			.isEqualTo(200);
		sleep(Duration.ofSeconds(8));
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);
		fault.exercised = "on for 8 s";
		fault.end();
	}

	/**
	 * Imports new inputs for a tenth of the products (of every category; none an event
	 * sets) while a full recalculation runs: the import stages its products first and
	 * applies them once all are staged, a chunk at a time, so the recalculation is
	 * published the moment the first is applied, and the import must end while a
	 * partition's pass runs (else the attempt proved nothing and is made again, up to
	 * three times: a pass of a partition takes about as long as applying the import). The
	 * stream stays quiet until the passes and every other writer are done, so that no
	 * later pass can mend what these wrote: then every imported product's price must
	 * follow the rule over its new inputs (or be gone, for the next read to compute).
	 */
	private void importDuringRecalculation(LocalStack stack, RedisClusterCommands<String, String> redis,
			List<Integer> products, ChaosReport report) {
		Fault fault = this.history.begin("import of " + products.size() + " products during a full recalculation");
		try {
			for (int attempt = 1; attempt <= 3 && fault.exercised.isEmpty(); attempt++) {
				int generation = this.generations.incrementAndGet();
				this.quiet.set(true);
				awaitIdle(stack, redis);
				// the import's products are staged first, then applied, a chunk at a
				// time: the recalculation is published once its first product is
				// applied, so that the passes run while the import applies the rest
				CompletableFuture<Imported> importing = CompletableFuture
					.supplyAsync(() -> importProducts(stack, products, generation));
				await("the import applies its first product").atMost(Duration.ofMinutes(2))
					.pollInterval(Duration.ofMillis(5))
					.until(() -> importing.isDone() || applied(redis, products.get(0), generation));
				Published recalculation = publish(stack, stack.apiPort, ChaosEvent.RECALCULATE);
				Imported imported = importing.join();
				if (recalculation.outcome() != Outcome.OK) {
					continue;
				}
				String job = KEYS.job(recalculation.eventId());
				try {
					await("the pass and every other writer are done").atMost(Duration.ofMinutes(2))
						.pollInterval(Duration.ofMillis(250))
						.until(() -> isFinished(redis.hget(job, "state")) && idle(redis));
				}
				catch (ConditionTimeoutException ex) {
					throw new IllegalStateException("Recalculation " + job + " not done with every other writer after "
							+ "2 minutes: " + redis.hgetall(job) + "; " + idleState(redis), ex);
				}
				// the import must have ended while a partition's pass was running
				Map<String, String> status = redis.hgetall(job);
				LongSummaryStatistics lockedAt = times(status, "locked_at");
				LongSummaryStatistics unlockedAt = times(status, "unlocked_at");
				if (imported.outcome() != Outcome.OK || lockedAt.getCount() == 0
						|| imported.completed() <= lockedAt.getMin() || imported.completed() >= unlockedAt.getMax()) {
					continue;
				}
				List<Map<String, String>> markets = markets(redis);
				for (int i : products) {
					String stored = redis.get(KEYS.price(ChaosCatalog.id(i)));
					BigDecimal expected = ChaosReport.rule(i, ChaosCatalog.inputs(i, generation),
							markets.get(KEYS.partitionOf(ChaosCatalog.id(i))));
					if (stored != null
							&& new BigDecimal(stored.substring(0, stored.indexOf('|'))).compareTo(expected) != 0) {
						report.pricesWrongAfterImports.add(ChaosCatalog.id(i) + ": stored " + stored + ", rule over "
								+ "generation " + generation + " " + expected);
					}
				}
				fault.exercised = "import generation " + generation + " applied while the passes of job " + job
						+ " ran (attempt " + attempt + "); its " + products.size()
						+ " prices checked once every writer was done";
			}
		}
		finally {
			fault.end();
			this.quiet.set(false);
		}
	}

	/** Whether a product's catalog entry holds the base price of an import generation. */
	private static boolean applied(RedisClusterCommands<String, String> redis, int product, int generation) {
		String base = redis.hget(KEYS.product(ChaosCatalog.id(product)), "base_price");
		return base != null && new BigDecimal(base).compareTo(ChaosCatalog.inputs(product, generation)[0]) == 0;
	}

	/** A time field over a job's tasks (Redis clock, ms). */
	private static LongSummaryStatistics times(Map<String, String> status, String field) {
		return IntStream.range(0, PARTITIONS)
			.mapToObj((partition) -> status.get(JobFields.partition(partition, field)))
			.filter(Objects::nonNull)
			.mapToLong(Long::parseLong)
			.summaryStatistics();
	}

	/**
	 * Waits until the module runs its replicas again, none of them a victim, all ready.
	 */
	private static void awaitReplacement(LocalStack stack, String module, List<ProcessHandle> victims, int replicas,
			Fault fault) {
		await(module + " replaced").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
			List<ProcessHandle> running = stack.running(module);
			return running.size() == replicas && running.stream().noneMatch(victims::contains)
					&& readyPorts(stack, module) == replicas;
		});
		fault.end();
	}

	private static int readyPorts(LocalStack stack, String module) throws Exception {
		List<Integer> ports = module.equals("listener-service") ? stack.listenerPorts() : stack.workerPorts();
		int ready = 0;
		for (int port : ports) {
			try {
				ready += (stack.get(port, "/actuator/health/readiness").statusCode() == 200) ? 1 : 0;
			}
			catch (IOException ex) {
				// not listening yet
			}
		}
		return ready;
	}

	// --- settling and checking
	// -----------------------------------------------------------

	/**
	 * Waits until every accepted event's job has an outcome, replays the dead letters (a
	 * job that could not succeed ends there) and waits until the queue is drained.
	 */
	private void settle(LocalStack stack, RedisClusterCommands<String, String> redis, ChaosReport report) {
		List<Published> accepted = this.history.accepted();
		await("every accepted event's job has an outcome").atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> accepted.stream().allMatch((p) -> isFinished(redis.hget(job(p), "state"))));
		List<Published> deadLettered = accepted.stream()
			.filter((p) -> "DEAD_LETTERED".equals(redis.hget(job(p), "state")))
			.toList();
		for (Published event : deadLettered) {
			try {
				assertThat(stack.post(stack.apiPort, "/api/v1/dead-letters/" + event.eventId() + "/replay", "")
					.statusCode()).isEqualTo(202);
			}
			catch (IOException | InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}
		await("replayed jobs are applied and the queue drains").atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> deadLettered.stream().allMatch((p) -> isApplied(redis.hget(job(p), "state"))) && idle(redis));
		report.deadLetteredAndReplayed = deadLettered.size();
		for (Published event : accepted) {
			if ("true".equals(redis.hget(job(event), "lock_expired"))) {
				report.lapsedHolds++;
			}
			switch (Optional.ofNullable(redis.hget(job(event), "state")).orElse("missing")) {
				case "SUCCEEDED" -> report.succeeded++;
				case "COALESCED" -> report.coalesced++;
				default -> report.lost.add(event.eventId() + " " + redis.hget(job(event), "state"));
			}
		}
	}

	private void check(LocalStack stack, ChaosRedis.Connection connection, List<RedisWriteLog> writes,
			ChaosReport report) throws Exception {
		RedisClusterCommands<String, String> redis = connection.sync();
		report.marketState(markets(redis));
		report.catalogAndPrices(connection.async());
		Set<String> served = new HashSet<>(this.hot);
		served.addAll(report.droppedByImports);
		Random sample = new Random(SEED + 2);
		for (int i = 0; i < SERVED_SAMPLE; i++) {
			served.add(ChaosCatalog.id(sample.nextInt(PRODUCTS)));
		}
		for (int port : stack.apiPorts()) {
			report.served("api:" + port, served, (id) -> marketPrice(stack, port, id));
		}
		report.writesSeen = writes.stream().mapToInt(RedisWriteLog::writes).sum();
		report.staleWrites = writes.stream().flatMap((log) -> log.staleWrites().stream()).toList();
		report.fenceRejections = fenceRejections(redis);
		report.redelivered = listenerCount(stack, "redelivered");
		report.stalledWorkers = Pattern.compile("worker-\\d exited \\(status 70\\)")
			.matcher(stack.output())
			.results()
			.count();
	}

	private static BigDecimal marketPrice(LocalStack stack, int port, String id) {
		try {
			HttpResponse<String> response = stack.get(port, "/api/v1/prices/" + id);
			Matcher price = MARKET_PRICE.matcher(response.body());
			return (response.statusCode() == 200 && price.find()) ? new BigDecimal(price.group(1)) : null;
		}
		catch (IOException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	/**
	 * Whether the pipeline has nothing left to do: no event waits to be bridged, the
	 * workers have read every job on the stream and acknowledged it, no lock is held and
	 * no coalesced event waits.
	 */
	private static boolean idle(RedisClusterCommands<String, String> redis) {
		return redis.zcard(KEYS.unbridgedEvents()) == 0 && streamDrained(redis)
				&& IntStream.range(0, PARTITIONS)
					.allMatch((partition) -> redis.exists(KEYS.partition(partition).recalculationLock(LOCK_NAME)) == 0
							&& redis.hlen(KEYS.coalescedEvents(partition)) == 0);
	}

	/**
	 * Whether the workers' group has been handed the stream's last entry (nothing is ever
	 * deleted from it) and has none pending.
	 */
	private static boolean streamDrained(RedisClusterCommands<String, String> redis) {
		String last = lastJobEntry(redis);
		if (last == null) {
			return true;
		}
		Map<Object, Object> workers = workersGroup(redis);
		return last.equals(workers.get("last-delivered-id")) && Long.valueOf(0).equals(workers.get("pending"));
	}

	/** The id of the job stream's last entry, or {@code null} while it has none. */
	private static String lastJobEntry(RedisClusterCommands<String, String> redis) {
		List<StreamMessage<String, String>> last = redis.xrevrange(KEYS.jobStream(), Range.unbounded(), Limit.from(1));
		return last.isEmpty() ? null : last.get(0).getId();
	}

	private static Map<Object, Object> workersGroup(RedisClusterCommands<String, String> redis) {
		return redis.xinfoGroups(KEYS.jobStream())
			.stream()
			.map(StreamGroupInfo::fields)
			.filter((group) -> "workers".equals(group.get("name")))
			.findFirst()
			.orElse(Map.of());
	}

	/**
	 * Waits until the pipeline is idle: a fault may leave a whole pass to finish, and the
	 * steady stream a backlog of tasks, slower on a loaded machine.
	 */
	private static void awaitIdle(LocalStack stack, RedisClusterCommands<String, String> redis) {
		try {
			await("the pipeline is idle").atMost(Duration.ofMinutes(3))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> idle(redis));
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException(
					"Not idle after 3 minutes: " + idleState(redis) + "workers' job threads: " + jobThreads(stack), ex);
		}
	}

	/**
	 * Where each worker's job consumers are: the top of their stacks, from a thread dump
	 * kept beside the workers' logs.
	 */
	private static String jobThreads(LocalStack stack) {
		StringBuilder threads = new StringBuilder();
		for (ProcessHandle worker : stack.running("worker-service")) {
			try {
				threads.append(stack.threadDump(worker, "job-consumer-", 6)).append("; ");
			}
			catch (IOException | InterruptedException ex) {
				threads.append("no thread dump of ").append(worker.pid()).append(": ").append(ex).append("; ");
			}
		}
		return threads.toString();
	}

	/**
	 * What idleness waits for: unbridged events, the workers' group on the job stream
	 * (and the task of each entry pending there: its consumer, how long it has been idle,
	 * its state, attempt and progress), each partition's lock (its hash and expiry) and
	 * coalesced events.
	 */
	private static String idleState(RedisClusterCommands<String, String> redis) {
		String last = lastJobEntry(redis);
		StringBuilder state = new StringBuilder().append("unbridged events ")
			.append(redis.zcard(KEYS.unbridgedEvents()))
			.append("; job stream: last entry ")
			.append(last)
			.append(", workers ")
			.append((last != null) ? workersGroup(redis) : "-")
			.append("; ");
		if (last != null) {
			for (PendingMessage pending : redis.xpending(KEYS.jobStream(), "workers", Range.unbounded(),
					Limit.from(10))) {
				state.append("pending ")
					.append(pending.getId())
					.append(" (")
					.append(pending.getConsumer())
					.append(", idle ")
					.append(pending.getMsSinceLastDelivery())
					.append(" ms): ")
					.append(pendingTask(redis, pending.getId()))
					.append("; ");
			}
		}
		for (int partition = 0; partition < PARTITIONS; partition++) {
			String lock = KEYS.partition(partition).recalculationLock(LOCK_NAME);
			state.append("partition ")
				.append(partition)
				.append(": lock ")
				.append(redis.hgetall(lock))
				.append(" pttl ")
				.append(redis.pttl(lock))
				.append(", coalesced ")
				.append(redis.hkeys(KEYS.coalescedEvents(partition)))
				.append("; ");
		}
		return state.toString();
	}

	/** The state, attempt and progress of the task a job stream entry holds. */
	private static Map<String, String> pendingTask(RedisClusterCommands<String, String> redis, String entryId) {
		List<StreamMessage<String, String>> entry = redis.xrange(KEYS.jobStream(), Range.create(entryId, entryId));
		if (entry.isEmpty()) {
			return Map.of();
		}
		Map<String, String> body = entry.get(0).getBody();
		Map<String, String> task = task(redis.hgetall(KEYS.job(body.get("event_id"))),
				Integer.parseInt(body.getOrDefault("partition", "0")));
		task.keySet()
			.retainAll(Set.of(JobFields.STATE, JobFields.ATTEMPTS, JobFields.WORKER, JobFields.FENCING_TOKEN,
					JobFields.PROCESSED, JobFields.TOTAL, JobFields.STARTED_AT, JobFields.LOCKED_AT));
		task.put("partition", body.get("partition"));
		return task;
	}

	/** Each partition's copy of the market state. */
	private static List<Map<String, String>> markets(RedisClusterCommands<String, String> redis) {
		return IntStream.range(0, PARTITIONS)
			.mapToObj((partition) -> redis.hgetall(KEYS.partition(partition).market()))
			.toList();
	}

	/** Price writes the fences refused, over every partition. */
	private static long fenceRejections(RedisClusterCommands<String, String> redis) {
		return IntStream.range(0, PARTITIONS)
			.mapToLong((partition) -> Long
				.parseLong(Optional.ofNullable(redis.get(KEYS.partition(partition).priceFenceRejections(LOCK_NAME)))
					.orElse("0")))
			.sum();
	}

	/** Applied by its own pass, or by the lock holder's it was handed to. */
	private static boolean isApplied(String state) {
		return "SUCCEEDED".equals(state) || "COALESCED".equals(state);
	}

	private static boolean isFinished(String state) {
		return "SUCCEEDED".equals(state) || "COALESCED".equals(state) || "DEAD_LETTERED".equals(state);
	}

	private static String job(Published event) {
		return KEYS.job(event.eventId());
	}

	/** The process of a consumer named {@code host-pid[-n]}, if it is alive. */
	private static Optional<ProcessHandle> processOf(String worker) {
		if (worker == null) {
			return Optional.empty();
		}
		Matcher pid = Pattern.compile("-(\\d+)(-\\d+)?$").matcher(worker);
		return pid.find() ? ProcessHandle.of(Long.parseLong(pid.group(1))).filter(ProcessHandle::isAlive)
				: Optional.empty();
	}

	private static long listenerCount(LocalStack stack, String outcome) throws Exception {
		long total = 0;
		Pattern line = Pattern.compile("^pricing_listener_events_total\\{.*outcome=\"" + outcome + "\".*\\} (\\S+)$",
				Pattern.MULTILINE);
		for (int port : stack.listenerPorts()) {
			try {
				Matcher value = line.matcher(stack.get(port, "/actuator/prometheus").body());
				while (value.find()) {
					total += (long) Double.parseDouble(value.group(1));
				}
			}
			catch (IOException ex) {
				// a listener being replaced
			}
		}
		return total;
	}

	private static String match(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		if (!matcher.find()) {
			throw new IllegalStateException(pattern + " not in " + text);
		}
		return matcher.group(1);
	}

	private static void steady(int seconds) {
		sleep(Duration.ofSeconds(seconds));
	}

	private static void sleep(Duration duration) {
		try {
			TimeUnit.NANOSECONDS.sleep(duration.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A worker caught holding the lock for a job.
	 *
	 * @param job the job status key
	 * @param status the status when caught
	 * @param worker its process
	 */
	private record Holding(String job, Map<String, String> status, ProcessHandle worker) {

	}

}
