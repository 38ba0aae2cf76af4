package dev.pricingengine.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chaos suite: the whole stack as real processes ({@code scripts/run-local.sh} with
 * {@code RESTART=on-failure}) on a Redis of its own with AOF, a steady stream of market
 * events, and meanwhile: workers and listeners killed with SIGKILL (one, and every
 * listener at once), the lock holder paused past its lease (SIGSTOP), Redis killed and
 * restarted, a transient failure rate. Then it asserts the promises — no accepted event
 * lost, lock holds never overlapping, fencing tokens in order, market state and every
 * price equal to the pricing rule over all accepted events — and writes a report
 * ({@code target/chaos-report.md}). {@code -Dchaos.rounds=N} (scripts/chaos.sh) repeats
 * the faults; CI runs one round.
 */
class ChaosIntegrationTests {

	private static final int ROUNDS = Integer.getInteger("chaos.rounds", 1);

	/** Events published per second while the faults happen. */
	private static final int EVENTS_PER_SECOND = 10;

	/**
	 * Products imported on top of the demo catalog, so a full recalculation takes a
	 * while.
	 */
	private static final int EXTRA_PRODUCTS = 100_000;

	private static final String LOCK_LEASE = "3s";

	private static final String LOCK = "pricing:recalculate_global_lock";

	private static final String FENCE = LOCK + ":price-fence";

	private static final String COALESCED = "pricing:coalesced-events";

	private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

	private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":\"([^\"]+)\"");

	private final List<Sent> sent = new CopyOnWriteArrayList<>();

	private final List<Fault> faults = new ArrayList<>();

	/** Set while the steady stream holds off. */
	private final AtomicBoolean quiet = new AtomicBoolean();

	@Test
	void keepsEveryPromiseWhileProcessesAndRedisAreKilled(@TempDir Path runDir) throws Exception {
		Path redisData = Files.createDirectories(runDir.resolve("redis-data"));
		ChaosRedis redis = ChaosRedis.start(redisData);
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
		// Redis command timeout above the pause of the lock holder (lease + a batch of
		// another holder): the paused worker's commands in flight are answered when it
		// resumes, it goes on with its pass, and its next write meets the fence (with the
		// default 2 s, it would fail on a timeout first: also safe, but not the fence).
		Map<String, String> environment = Map.of("RESTART", "on-failure", "PRICING_WORKER_LOCK_LEASE", LOCK_LEASE,
				"SPRING_DATA_REDIS_TIMEOUT", "10s");
		try (redis;
				LocalStack stack = LocalStack.start(runDir, redis.port(), environment);
				StatefulRedisConnection<String, String> connection = client.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			HttpResponse<String> imported = stack.postNdjson(stack.apiPort, "/api/v1/catalog",
					() -> Catalogs.ndjson("P-chaos-", EXTRA_PRODUCTS));
			assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);

			AtomicBoolean publishing = new AtomicBoolean(true);
			Thread publisher = new Thread(() -> publishSteadily(stack, publishing), "chaos-publisher");
			publisher.start();
			try {
				steady(5);
				for (int round = 1; round <= ROUNDS; round++) {
					killAWorker(stack, commands);
					steady(5);
					killAListener(stack);
					steady(5);
					killEveryListener(stack);
					steady(5);
					pauseTheLockHolderPastItsLease(stack, commands);
					steady(5);
					restartRedis(redis);
					steady(5);
					injectTransientFailures(stack);
					steady(5);
				}
			}
			finally {
				publishing.set(false);
				publisher.join();
			}
			assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);

			ChaosReport report = settleAndCheck(stack, connection);
			String table = report.table(this.faults);
			Files.writeString(Path.of("target", "chaos-report.md"), table, StandardCharsets.UTF_8);
			System.out.println(table);
			report.assertPromisesKept();
		}
		finally {
			client.shutdown();
		}
	}

	// --- the steady stream of events ---------------------------------------------------

	private void publishSteadily(LocalStack stack, AtomicBoolean publishing) {
		long interval = 1_000_000_000L / EVENTS_PER_SECOND;
		long next = System.nanoTime();
		for (int n = 0; publishing.get(); n++) {
			if (!this.quiet.get()) {
				this.sent.add(publish(stack, EventKind.of(n)));
			}
			next += interval;
			long wait = next - System.nanoTime();
			if (wait > 0) {
				sleep(Duration.ofNanos(wait));
			}
		}
	}

	private static Sent publish(LocalStack stack, EventKind event) {
		long at = System.currentTimeMillis();
		try {
			HttpResponse<String> response = stack.post(stack.apiPort, "/api/v1/publish-market-event", event.json());
			if (response.statusCode() == 202) {
				return new Sent(event, Outcome.ACCEPTED, at, Long.parseLong(match(SEQUENCE, response.body())),
						match(EVENT_ID, response.body()));
			}
			boolean refused = response.statusCode() < 500 || response.body().contains("No event listener");
			return new Sent(event, refused ? Outcome.REFUSED : Outcome.UNKNOWN, at, -1, null);
		}
		catch (IOException ex) {
			return new Sent(event, Outcome.UNKNOWN, at, -1, null);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Sent(event, Outcome.UNKNOWN, at, -1, null);
		}
	}

	// --- faults ------------------------------------------------------------------------

	private void killAWorker(LocalStack stack, RedisCommands<String, String> redis) throws Exception {
		// the worker running a job if there is one, so that a job is caught mid-way
		ProcessHandle victim = runningJobs(redis).stream()
			.map((job) -> job.get("worker"))
			.map(ChaosIntegrationTests::processOf)
			.flatMap(Optional::stream)
			.findFirst()
			.orElseGet(() -> stack.running("worker-service").get(0));
		int replicas = stack.running("worker-service").size();
		Fault fault = begin("SIGKILL a worker (pid " + victim.pid() + ")");
		victim.destroyForcibly();
		awaitReplacement(stack, "worker-service", List.of(victim), replicas, fault);
	}

	private void killAListener(LocalStack stack) throws Exception {
		List<ProcessHandle> listeners = stack.running("listener-service");
		ProcessHandle victim = listeners.get(0);
		Fault fault = begin("SIGKILL a listener (pid " + victim.pid() + ")");
		victim.destroyForcibly();
		awaitReplacement(stack, "listener-service", List.of(victim), listeners.size(), fault);
	}

	private void killEveryListener(LocalStack stack) throws Exception {
		List<ProcessHandle> victims = stack.running("listener-service");
		Fault fault = begin("SIGKILL every listener at once (" + victims.size() + ")");
		victims.forEach(ProcessHandle::destroyForcibly);
		awaitReplacement(stack, "listener-service", victims, victims.size(), fault);
	}

	/**
	 * Pauses the worker holding the lock for a full recalculation, until its lease has
	 * expired and another worker has written prices under a newer token; then lets it go
	 * on, so that its next writes meet the fence. The steady stream holds off until the
	 * recalculation has the lock (under a steady stream the lock is mostly held by drains
	 * of coalesced events, which have no job to find the holder by).
	 */
	private void pauseTheLockHolderPastItsLease(LocalStack stack, RedisCommands<String, String> redis)
			throws Exception {
		for (int attempt = 0; attempt < 5; attempt++) {
			this.quiet.set(true);
			try {
				await("the lock is free").atMost(Duration.ofSeconds(60))
					.pollInterval(Duration.ofMillis(100))
					.until(() -> redis.exists(LOCK) == 0 && redis.hlen(COALESCED) == 0);
				Sent recalculation = publish(stack, EventKind.RECALCULATE);
				this.sent.add(recalculation);
				Optional<Map<String, String>> holding = (recalculation.outcome() != Outcome.ACCEPTED) ? Optional.empty()
						: awaitEarlyInItsPass(redis, "pricing:job:" + recalculation.eventId());
				if (holding.isEmpty()) {
					continue; // done before it could be caught
				}
				long token = Long.parseLong(holding.get().get("fencing_token"));
				ProcessHandle holder = processOf(holding.get().get("worker")).orElseThrow();
				Fault fault = begin("SIGSTOP the lock holder past its " + LOCK_LEASE + " lease (token " + token + ")");
				Signals.send("STOP", holder);
				this.quiet.set(false);
				try {
					await("another holder writes prices under a newer token").atMost(Duration.ofSeconds(60))
						.pollInterval(Duration.ofMillis(100))
						.until(() -> Long.parseLong(Optional.ofNullable(redis.get(FENCE)).orElse("0")) > token);
				}
				finally {
					Signals.send("CONT", holder);
				}
				fault.end();
				return;
			}
			finally {
				this.quiet.set(false);
			}
		}
		throw new IllegalStateException("Could not catch a worker early in a full recalculation");
	}

	/** The job's status once it runs under the lock with most of its pass ahead. */
	private static Optional<Map<String, String>> awaitEarlyInItsPass(RedisCommands<String, String> redis, String job) {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			Map<String, String> status = redis.hgetall(job);
			String state = status.getOrDefault("state", "");
			if (state.equals("SUCCEEDED") || state.equals("COALESCED") || state.equals("DEAD_LETTERED")) {
				return Optional.empty();
			}
			if (status.containsKey("fencing_token") && !status.containsKey("unlocked_at")
					&& status.containsKey("processed")
					&& Long.parseLong(status.get("processed")) < EXTRA_PRODUCTS / 2) {
				return Optional.of(status);
			}
			sleep(Duration.ofMillis(20));
		}
		return Optional.empty();
	}

	private void restartRedis(ChaosRedis redis) throws Exception {
		Fault fault = begin("SIGKILL Redis, restart it on its AOF");
		redis.crash();
		sleep(Duration.ofSeconds(1));
		redis.restart();
		long restarted = System.currentTimeMillis();
		await("the API accepts events again").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> this.sent.stream()
				.anyMatch((s) -> s.sentAt() >= restarted && s.outcome() == Outcome.ACCEPTED));
		fault.end();
	}

	private void injectTransientFailures(LocalStack stack) throws Exception {
		Fault fault = begin("30% of market-data calls fail for 8 s");
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"failure_rate\":0.3}").statusCode())
			.isEqualTo(200);
		sleep(Duration.ofSeconds(8));
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);
		fault.end();
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
		int first = module.equals("listener-service") ? stack.apiPort + 1 : stack.apiPort + 3;
		int ready = 0;
		for (int port = first; port < first + 2; port++) {
			try {
				ready += (stack.get(port, "/actuator/health/readiness").statusCode() == 200) ? 1 : 0;
			}
			catch (IOException ex) {
				// not listening yet
			}
		}
		return ready;
	}

	private Fault begin(String description) {
		Fault fault = new Fault(description, System.currentTimeMillis());
		this.faults.add(fault);
		return fault;
	}

	// --- checks ------------------------------------------------------------------------

	private ChaosReport settleAndCheck(LocalStack stack, StatefulRedisConnection<String, String> connection)
			throws Exception {
		RedisCommands<String, String> redis = connection.sync();
		List<Sent> accepted = this.sent.stream().filter((s) -> s.outcome() == Outcome.ACCEPTED).toList();
		// Every accepted job reaches an outcome; dead letters are replayed once the fault
		// is gone (a job that cannot succeed ends there and can be replayed).
		await("every accepted event's job has an outcome").atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> accepted.stream().allMatch((s) -> isFinished(redis.hget(job(s), "state"))));
		List<Sent> deadLettered = accepted.stream()
			.filter((s) -> "DEAD_LETTERED".equals(redis.hget(job(s), "state")))
			.toList();
		for (Sent event : deadLettered) {
			assertThat(
					stack.post(stack.apiPort, "/api/v1/dead-letters/" + event.eventId() + "/replay", "").statusCode())
				.isEqualTo(202);
		}
		await("replayed jobs succeed and the queue drains").atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> deadLettered.stream().allMatch((s) -> "SUCCEEDED".equals(redis.hget(job(s), "state")))
					&& redis.hlen(COALESCED) == 0 && pending(redis) == 0);

		ChaosReport report = new ChaosReport(ROUNDS, EXTRA_PRODUCTS);
		report.sent = this.sent.size();
		report.accepted = accepted.size();
		report.refused = this.sent.stream().filter((s) -> s.outcome() == Outcome.REFUSED).count();
		report.unknown = this.sent.stream().filter((s) -> s.outcome() == Outcome.UNKNOWN).count();
		report.deadLetteredAndReplayed = deadLettered.size();
		Map<String, Map<String, String>> jobs = new HashMap<>();
		for (Sent event : accepted) {
			Map<String, String> status = redis.hgetall(job(event));
			jobs.put(event.eventId(), status);
			switch (status.getOrDefault("state", "missing")) {
				case "SUCCEEDED" -> report.succeeded++;
				case "COALESCED" -> report.coalesced++;
				default -> report.lost.add(event.eventId() + " " + status.getOrDefault("state", "missing"));
			}
		}
		report.lockHolds(jobs.values());
		report.fenceRejections = Long.parseLong(Optional.ofNullable(redis.get(FENCE + ":rejected")).orElse("0"));
		report.redelivered = listenerCount(stack, "redelivered");
		report.recovery(this.faults, accepted, jobs);
		report.marketState(this.sent, redis);
		report.prices(connection);
		return report;
	}

	private static boolean isFinished(String state) {
		return "SUCCEEDED".equals(state) || "COALESCED".equals(state) || "DEAD_LETTERED".equals(state);
	}

	private static long pending(RedisCommands<String, String> redis) {
		return redis.xpending("pricing:jobs", "workers").getCount();
	}

	private static String job(Sent event) {
		return "pricing:job:" + event.eventId();
	}

	private static List<Map<String, String>> runningJobs(RedisCommands<String, String> redis) {
		List<Map<String, String>> running = new ArrayList<>();
		ScanIterator<String> keys = ScanIterator.scan(redis, ScanArgs.Builder.matches("pricing:job:*").limit(1000));
		while (keys.hasNext()) {
			Map<String, String> status = redis.hgetall(keys.next());
			if ("RUNNING".equals(status.get("state"))) {
				running.add(status);
			}
		}
		return running;
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
		for (int port = stack.apiPort + 1; port <= stack.apiPort + 2; port++) {
			Matcher value = line.matcher(stack.get(port, "/actuator/prometheus").body());
			while (value.find()) {
				total += (long) Double.parseDouble(value.group(1));
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

	// --- model -------------------------------------------------------------------------

	enum Outcome {

		/** 202: the stack promised to apply it. */
		ACCEPTED,
		/** A 4xx, or 503 because no listener ran: certainly not applied. */
		REFUSED,
		/**
		 * No answer, or a 5xx while Redis was down: it may or may not have been applied.
		 */
		UNKNOWN

	}

	/**
	 * An event and what the stack answered.
	 *
	 * @param event the event
	 * @param outcome the answer
	 * @param sentAt when it was sent (ms)
	 * @param sequence its sequence when accepted, else -1
	 * @param eventId its id when accepted
	 */
	record Sent(EventKind event, Outcome outcome, long sentAt, long sequence, String eventId) {

	}

	/**
	 * One of the events the suite publishes: which state it sets and to what.
	 *
	 * @param json the request body
	 * @param key the Redis hash it sets a field of, or {@code null} for a recalculation
	 * @param field the field
	 * @param value the value it sets
	 */
	record EventKind(String json, String key, String field, String value) {

		static final EventKind RECALCULATE = new EventKind("", null, null, null);

		/**
		 * The n-th event: demand factors of the market, a category or a product, or a
		 * base price.
		 */
		static EventKind of(int n) {
			String factor = BigDecimal.valueOf(80 + (n * 7) % 41, 2).toPlainString();
			int kind = n % 10;
			if (kind == 0) {
				return new EventKind("{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + "}", "pricing:market",
						"global", factor);
			}
			if (kind <= 5) {
				String category = "C-" + (n % 20 + 1);
				return new EventKind(
						"{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"category\":\"" + category + "\"}",
						"pricing:market", "category:" + category, factor);
			}
			String product = "P-" + (n % 50 + 1);
			if (kind <= 8) {
				return new EventKind(
						"{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"product_id\":\"" + product + "\"}",
						"pricing:market", "product:" + product, factor);
			}
			String basePrice = BigDecimal.valueOf(1000 + (n * 13) % 9000, 2).toPlainString();
			return new EventKind(
					"{\"type\":\"BASE_PRICE\",\"product_id\":\"" + product + "\",\"base_price\":\"" + basePrice + "\"}",
					"pricing:product:" + product, "base_price", basePrice);
		}

	}

	/** A fault and when it began and ended (ms). */
	static final class Fault {

		final String description;

		final long began;

		long ended;

		Fault(String description, long began) {
			this.description = description;
			this.began = began;
		}

		void end() {
			this.ended = System.currentTimeMillis();
		}

	}

}
