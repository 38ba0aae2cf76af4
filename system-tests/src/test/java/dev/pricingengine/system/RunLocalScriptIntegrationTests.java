package dev.pricingengine.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collector;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.pricingengine.system.OtlpReceiver.ReceivedSpan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The README's local quick start, run as a user would: {@code scripts/run-local.sh} with
 * no Redis answering at its address, so it starts the Redis binary shipped in the
 * embedded-redis artifact (as on a machine with no Redis installed), then the API, two
 * listeners and two workers.
 */
class RunLocalScriptIntegrationTests {

	private static final String UNKNOWN_COMMAND = "?";

	private static final Pattern JOB = Pattern.compile("\"job\":\"([^\"]+)\"");

	@Test
	void runsTheWholeStackServesPricesAndStopsEverythingItStarted(@TempDir Path runDir) throws Exception {
		try (OtlpReceiver traces = OtlpReceiver.start();
				// the agents' sampler as shipped, tracing no read: what is traced is
				// certain
				LocalStack stack = LocalStack.start(runDir,
						Map.of("LOCAL_REDIS", "embedded", "OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint(),
								"OTEL_BSP_SCHEDULE_DELAY", "200", "OTEL_TRACES_SAMPLER_ARG", "0"))) {
			assertThat(stack.output()).contains("starting " + runDir.resolve("redis"))
				.contains("http://localhost:" + stack.apiPort + "/docs");
			Map<ProcessHandle, String> started = processesOfThisJvm();
			assertThat(Stream
				.of("scripts/run-local.sh", "redis-server", "/api-service-", "/listener-service-", "/worker-service-")
				.map((part) -> part + " x" + count(started.values(), part)))
				.as("run-local.sh, redis-server, API, 2 listeners, 2 workers in %s", started.values())
				.containsExactly("scripts/run-local.sh x1", "redis-server x1", "/api-service- x1",
						"/listener-service- x2", "/worker-service- x2");

			HttpResponse<String> live = stack.get(stack.apiPort, "/api/v1/prices/P-42?member=true");
			assertThat(live.statusCode()).isEqualTo(200);
			assertThat(live.body()).contains("\"product_id\":\"P-42\"")
				.contains("\"source\":\"live\"")
				.contains("\"discount_rate\":0.05");
			assertThat(stack.get(stack.apiPort, "/api/v1/prices/P-42").body()).contains("\"source\":\"cache\"");
			assertThat(stack.get(stack.apiPort, "/api/v1/prices/P-10001").statusCode()).isEqualTo(404);
			for (int port : Stream.concat(stack.listenerPorts().stream(), stack.workerPorts().stream()).toList()) {
				HttpResponse<String> health = stack.get(port, "/actuator/health/readiness");
				assertThat(health.statusCode()).as("readiness on port %d", port).isEqualTo(200);
				assertThat(health.body()).contains("\"status\":\"UP\"");
			}

			HttpResponse<String> anonymous = stack.postWithoutKey(stack.apiPort, "/api/v1/publish-market-event", "");
			assertThat(anonymous.statusCode()).as("publishing without the API key").isEqualTo(401);
			tracesAnEventFromTheHttpRequestToTheWorkersPriceWrites(stack, traces);
			tracesNoReadNorHealthCheck(traces);
			appliesEveryPublishedEventOnceThroughTwoListenersAndTwoWorkers(stack);
			deadLettersUnderPersistentFailureAndReplaysOnceItClears(stack, runDir);
			anotherWorkerCompletesTheJobOfAWorkerKilledMidJob(stack);
			importsACatalogLargerThanItsHeapAsAStream(stack);

			assertThat(stack.stop()).as("exit status after SIGTERM").isEqualTo(143);
			assertThat(alive(started)).as("processes started for the stack that are still alive").isEmpty();
			assertThat(LocalStack.accepts(stack.redisPort)).as("Redis the script started is stopped").isFalse();
			assertThat(LocalStack.accepts(stack.apiPort)).as("API stopped").isFalse();
			assertThat(stack.output()).contains("stopping the redis-server processes this script started");
		}
	}

	/**
	 * A start that fails once every process of the stack runs (here: the test sets an API
	 * key, so the script generates none) stops them all: the test never gets the stack to
	 * close it.
	 */
	@Test
	void stopsEverythingItStartedWhenTheStartFails(@TempDir Path runDir) throws Exception {
		FutureTask<LocalStack> starting = new FutureTask<>(() -> LocalStack.start(runDir,
				Map.of("LOCAL_REDIS", "embedded", "PRICING_SECURITY_API_KEYS", "a-key-the-test-sets")));
		new Thread(starting, "start-local-stack").start();
		Map<ProcessHandle, String> started = new HashMap<>();
		while (!starting.isDone()) {
			// a process exiting (or a zombie) has no command line left: keep the one seen
			processesOfThisJvm().forEach((process, commandLine) -> started.merge(process, commandLine,
					(seen, now) -> now.equals(UNKNOWN_COMMAND) ? seen : now));
			try {
				starting.get(100, TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException | ExecutionException ex) {
				// still starting, or failed: looked at below
			}
		}
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(starting::get)
			.havingCause()
			.withMessageContaining("run-local.sh printed no generated API key");
		assertThat(count(started.values(), "-service-")).as("service JVMs seen while the stack started: %s", started)
			.isEqualTo(5);
		assertThat(alive(started)).as("processes started for the stack that are still alive").isEmpty();
	}

	/** The processes under this JVM now, each with its command line. */
	private static Map<ProcessHandle, String> processesOfThisJvm() {
		Map<ProcessHandle, String> processes = new HashMap<>();
		ProcessHandle.current()
			.descendants()
			.forEach((process) -> processes.put(process, process.info().commandLine().orElse(UNKNOWN_COMMAND)));
		return processes;
	}

	private static long count(Collection<String> commandLines, String part) {
		return commandLines.stream().filter((commandLine) -> commandLine.contains(part)).count();
	}

	private static List<String> alive(Map<ProcessHandle, String> processes) {
		return processes.entrySet()
			.stream()
			.filter((process) -> process.getKey().isAlive())
			.map((process) -> process.getKey().pid() + " " + process.getValue())
			.toList();
	}

	/**
	 * Every service runs with the OpenTelemetry agent, exporting to the test's receiver:
	 * one event makes one trace through all three services, every span's parent in it.
	 */
	private static void tracesAnEventFromTheHttpRequestToTheWorkersPriceWrites(LocalStack stack, OtlpReceiver traces)
			throws Exception {
		String job = publish(stack, "{\"type\":\"DEMAND_FACTOR\",\"factor\":1.07,\"category\":\"C-5\"}");
		AtomicReference<String> status = new AtomicReference<>();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			status.set(stack.get(stack.apiPort, job).body());
			assertThat(status.get()).contains("\"state\":\"SUCCEEDED\"")
				.containsPattern("\"trace_id\":\"[0-9a-f]{32}\"");
		});
		String traceId = JsonFields.field(status.get(), "trace_id", "[0-9a-f]{32}");
		// each service exports its spans in its own batches: a child can arrive before
		// its parent
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<ReceivedSpan> received = traces.trace(traceId);
			Map<String, ReceivedSpan> receivedById = ReceivedSpan.byId(received);
			assertThat(received).anySatisfy((span) -> assertThat(span.name()).isEqualTo("EVALSHA"));
			assertThat(received).as("spans without their parent in the trace")
				.filteredOn((span) -> !span.parentSpanId().isEmpty() && !receivedById.containsKey(span.parentSpanId()))
				.isEmpty();
		});
		List<ReceivedSpan> trace = traces.trace(traceId);
		Map<String, ReceivedSpan> byId = ReceivedSpan.byId(trace);
		ReceivedSpan request = only(trace, "api-service", "SERVER", "POST /api/v1/publish-market-event");
		assertThat(request.parentSpanId()).as("the request's span is the root").isEmpty();
		ReceivedSpan publish = childOf(trace, request, "api-service", "PRODUCER", "publish market_events");
		assertThat(publish.attributes()).containsEntry("messaging.system", "redis")
			.containsEntry("messaging.destination.name", "market_events")
			.containsEntry("pricing.event.receivers", "2");
		List<ReceivedSpan> received = trace.stream()
			.filter((span) -> span.kind().equals("CONSUMER") && span.name().equals("process market_events"))
			.toList();
		assertThat(received).as("one CONSUMER span per listener")
			.hasSize(2)
			.allSatisfy((span) -> assertThat(span.parentSpanId()).isEqualTo(publish.spanId()))
			.allSatisfy((span) -> assertThat(span.service()).isEqualTo("listener-service"));
		ReceivedSpan enqueue = trace.stream()
			.filter((span) -> span.kind().equals("PRODUCER")
					&& "bridged".equals(span.attributes().get("pricing.bridge.outcome")))
			.collect(onlyOne("the listener's PRODUCER span that added the job"));
		assertThat(enqueue.name()).isEqualTo("send pricing:{intake}:jobs");
		assertThat(byId.get(enqueue.parentSpanId()).name()).isEqualTo("process market_events");
		ReceivedSpan work = childOf(trace, enqueue, "worker-service", "CONSUMER", "process pricing:{intake}:jobs");
		assertThat(work.attributes()).containsKey("pricing.job.queue_wait_ms")
			.containsEntry("messaging.message.id", job.substring(job.lastIndexOf('/') + 1));
		ReceivedSpan attempt = childOf(trace, work, "worker-service", "INTERNAL", "attempt");
		ReceivedSpan lock = childOf(trace, attempt, "worker-service", "INTERNAL",
				"lock pricing:{p0}:recalculate_global_lock");
		assertThat(lock.attributes()).containsEntry("pricing.lock.acquired", "true")
			.containsEntry("pricing.lock.fencing_token", JsonFields.field(status.get(), "fencing_token", "[0-9]+"));
		ReceivedSpan batch = childOf(trace, lock, "worker-service", "INTERNAL", "recalculate batch");
		assertThat(batch.attributes()).containsEntry("pricing.batch.size", "500")
			.containsEntry("pricing.batch.written", "500");
		ReceivedSpan write = childOf(trace, batch, "worker-service", "CLIENT", "EVALSHA");
		assertThat(write.attributes()).containsEntry("db.system.name", "redis");
	}

	/**
	 * The agents' sampler (tracing-extension, loaded by java-service.sh) keeps every
	 * event's trace but only the configured share of reads (none here), no health check
	 * and no Redis command sent outside any trace (the listeners' sweep, every second):
	 * the reads and readiness checks above (and run-local.sh's own while the stack
	 * started) left no span. Each service exports its spans in order, and the event's
	 * spans, sent after them, have arrived.
	 */
	private static void tracesNoReadNorHealthCheck(OtlpReceiver traces) {
		List<ReceivedSpan> spans = traces.spans();
		assertThat(spans).filteredOn((span) -> span.kind().equals("SERVER"))
			.as("requests traced")
			.isNotEmpty()
			.allSatisfy((span) -> assertThat(span.attributes()).doesNotContainEntry("http.request.method", "GET"))
			.allSatisfy(
					(span) -> assertThat(span.attributes().getOrDefault("url.path", "")).doesNotStartWith("/actuator"));
		assertThat(spans).filteredOn((span) -> span.kind().equals("CLIENT") && span.parentSpanId().isEmpty())
			.as("client spans outside any trace")
			.isEmpty();
	}

	private static ReceivedSpan only(List<ReceivedSpan> trace, String service, String kind, String name) {
		return trace.stream()
			.filter((span) -> span.service().equals(service) && span.kind().equals(kind) && span.name().equals(name))
			.collect(onlyOne(kind + " span '" + name + "' of " + service + " in " + names(trace)));
	}

	private static ReceivedSpan childOf(List<ReceivedSpan> trace, ReceivedSpan parent, String service, String kind,
			String name) {
		ReceivedSpan child = only(trace, service, kind, name);
		assertThat(child.parentSpanId()).as("parent of %s", name).isEqualTo(parent.spanId());
		return child;
	}

	private static Collector<ReceivedSpan, ?, ReceivedSpan> onlyOne(String description) {
		return Collectors.collectingAndThen(Collectors.toList(), (spans) -> {
			assertThat(spans).as(description).hasSize(1);
			return spans.get(0);
		});
	}

	private static List<String> names(List<ReceivedSpan> trace) {
		return trace.stream().map((span) -> span.service() + ":" + span.kind() + ":" + span.name()).toList();
	}

	private static void appliesEveryPublishedEventOnceThroughTwoListenersAndTwoWorkers(LocalStack stack)
			throws Exception {
		int events = 20;
		long enqueuedBefore = stack.redisInteger("XLEN", "pricing:{intake}:jobs");
		List<String> jobs = new ArrayList<>();
		for (int i = 0; i < events; i++) {
			HttpResponse<String> accepted = stack.post(stack.apiPort, "/api/v1/publish-market-event",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":1.0" + i + ",\"category\":\"C-" + (i % 20 + 1) + "\"}");
			assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
			assertThat(accepted.body()).contains("\"receivers\":2");
			Matcher job = JOB.matcher(accepted.body());
			assertThat(job.find()).isTrue();
			jobs.add(job.group(1));
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(stack.redisInteger("XLEN", "pricing:{intake}:jobs") - enqueuedBefore)
				.isEqualTo(events));
		// Each job succeeds, or is coalesced into the pass of the worker that held the
		// lock.
		for (String job : jobs) {
			await().atMost(Duration.ofSeconds(60))
				.untilAsserted(() -> assertThat(stack.get(stack.apiPort, job).body()).satisfiesAnyOf(
						(status) -> assertThat(status).contains("\"state\":\"COALESCED\""),
						(status) -> assertThat(status).contains("\"state\":\"SUCCEEDED\"")
							.contains("\"fencing_token\":")
							.contains("\"processed\":500")
							.contains("\"total\":500")));
		}
		// P-42 is in C-2, whose newest factor came from event 1: 1.01.
		String product = stack.get(stack.apiPort, "/api/v1/catalog/P-42").body();
		BigDecimal expected = new BigDecimal(JsonFields.field(product, "base_price")).multiply(new BigDecimal("1.01"))
			.max(new BigDecimal(JsonFields.field(product, "floor_price")))
			.min(new BigDecimal(JsonFields.field(product, "ceiling_price")))
			.setScale(2, RoundingMode.HALF_EVEN);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(new BigDecimal(
					JsonFields.field(stack.get(stack.apiPort, "/api/v1/prices/P-42").body(), "market_price")))
				.isEqualByComparingTo(expected));
	}

	private static void deadLettersUnderPersistentFailureAndReplaysOnceItClears(LocalStack stack, Path runDir)
			throws Exception {
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"failure_rate\":1.0}").statusCode())
			.isEqualTo(200);
		String job = publish(stack, "{\"type\":\"DEMAND_FACTOR\",\"factor\":1.2,\"product_id\":\"P-7\"}");
		String jobId = job.substring(job.lastIndexOf('/') + 1);
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(
					() -> assertThat(stack.get(stack.apiPort, job).body()).contains("\"state\":\"DEAD_LETTERED\"")
						.contains("\"attempts\":6")
						.contains("ExternalApiTimeoutException"));
		assertThat(stack.get(stack.apiPort, "/api/v1/dead-letters").body()).contains(jobId);
		// log lines carry the trace context (the agent's Logback MDC instrumentation)
		String traceId = JsonFields.field(stack.get(stack.apiPort, job).body(), "trace_id", "[0-9a-f]{32}");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(logLines(runDir, "worker-")).anySatisfy(
					(line) -> assertThat(line).contains("[" + traceId + ",").contains("Dead-lettering job " + jobId)));

		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"failure_rate\":0}").statusCode())
			.isEqualTo(200);
		assertThat(stack.post(stack.apiPort, "/api/v1/dead-letters/" + jobId + "/replay", "").statusCode())
			.isEqualTo(202);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(stack.get(stack.apiPort, job).body()).contains("\"state\":\"SUCCEEDED\""));
		assertThat(stack.get(stack.apiPort, "/api/v1/dead-letters").body()).doesNotContain(jobId);
	}

	/**
	 * SIGKILLs the worker process running a job (slowed down by injected latency so that
	 * it is caught mid-job); the remaining worker takes the job over and completes it,
	 * and the script reports the dead worker and keeps the rest running.
	 */
	private static void anotherWorkerCompletesTheJobOfAWorkerKilledMidJob(LocalStack stack) throws Exception {
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"latency_ms\":4000}").statusCode())
			.isEqualTo(200);
		String job = publish(stack, "{\"type\":\"DEMAND_FACTOR\",\"factor\":1.3,\"product_id\":\"P-9\"}");
		String victim = workerRunning(stack, job);
		workerProcess(victim).destroyForcibly();
		assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);

		awaitSucceededWithout(stack, job, victim);
		assertThat(stack.output()).contains("exited (status 137)");
	}

	/**
	 * A worker whose job consumer makes no progress for
	 * {@code pricing.worker.stall-timeout} (here 5 s; its job's market-data step slowed
	 * to a minute) logs where it is stuck and exits as if killed: the other worker takes
	 * the job over, and run-local.sh starts the stalled one again. Without this, a
	 * consumer blocked for ever held its job and its partition's lock for ever: both are
	 * renewed by other threads of a live worker.
	 */
	@Test
	void replacesAWorkerWhoseJobMakesNoProgress(@TempDir Path runDir) throws Exception {
		try (LocalStack stack = LocalStack.start(runDir,
				Map.of("RESTART", "on-failure", "PRICING_WORKER_STALL_TIMEOUT", "5s"))) {
			assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{\"latency_ms\":60000}").statusCode())
				.isEqualTo(200);
			String job = publish(stack, "{\"type\":\"DEMAND_FACTOR\",\"factor\":1.2,\"product_id\":\"P-7\"}");
			String stalled = workerRunning(stack, job);
			ProcessHandle process = workerProcess(stalled);
			await("the stalled worker exits").atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
			assertThat(stack.put(stack.apiPort, "/api/v1/admin/faults", "{}").statusCode()).isEqualTo(200);

			awaitSucceededWithout(stack, job, stalled);
			assertThat(stack.output()).contains("exited (status 70)");
			await("run-local.sh starts the stalled worker again").atMost(Duration.ofSeconds(90))
				.until(() -> stack.output().contains("restarted worker-"));
			String logs = Files.readString(runDir.resolve("logs/worker-1.log"))
					+ Files.readString(runDir.resolve("logs/worker-2.log"));
			assertThat(logs).as("where the stalled consumer was")
				.containsPattern("made no progress for \\d+ s[^\\n]*\\n(.*\\n)*.*MarketDataStep");
		}
	}

	/** The consumer running a job, once it runs. */
	private static String workerRunning(LocalStack stack, String job) {
		AtomicReference<String> worker = new AtomicReference<>();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Matcher running = Pattern.compile("\"state\":\"RUNNING\".*\"worker\":\"([^\"]+)\"")
				.matcher(stack.get(stack.apiPort, job).body());
			assertThat(running.find()).isTrue();
			worker.set(running.group(1));
		});
		return worker.get();
	}

	/** The worker process of a consumer named {@code host-pid}. */
	private static ProcessHandle workerProcess(String consumer) {
		ProcessHandle worker = ProcessHandle.of(Long.parseLong(consumer.substring(consumer.lastIndexOf('-') + 1)))
			.orElseThrow();
		assertThat(worker.info().commandLine().orElse("")).contains("worker-service");
		return worker;
	}

	private static void awaitSucceededWithout(LocalStack stack, String job, String consumer) {
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(stack.get(stack.apiPort, job).body()).contains("\"state\":\"SUCCEEDED\"")
				.doesNotContain("\"worker\":\"" + consumer + "\""));
	}

	/**
	 * 200,000 products (about 23 MB of NDJSON, several times that as objects) into an API
	 * with a {@value LocalStack#HEAP} heap that exits on OutOfMemoryError: only a
	 * streaming import passes.
	 */
	private static void importsACatalogLargerThanItsHeapAsAStream(LocalStack stack) throws Exception {
		int products = 200_000;
		HttpResponse<String> imported = stack.postNdjson(stack.apiPort, "/api/v1/catalog",
				() -> Catalogs.ndjson("P-big-", products));
		assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
		assertThat(imported.body()).isEqualTo("{\"imported\":" + products + "}");
		HttpResponse<String> last = stack.get(stack.apiPort, "/api/v1/catalog/P-big-" + (products - 1));
		assertThat(last.statusCode()).isEqualTo(200);
		assertThat(last.body()).contains("\"base_price\":" + ((products - 1) % 900 + 5) + ".99");
	}

	private static List<String> logLines(Path runDir, String namePrefix) throws IOException {
		List<String> lines = new ArrayList<>();
		try (Stream<Path> logs = Files.list(runDir.resolve("logs"))) {
			for (Path log : logs.filter((path) -> path.getFileName().toString().startsWith(namePrefix)).toList()) {
				lines.addAll(Files.readAllLines(log));
			}
		}
		return lines;
	}

	/** Publishes an event, expects 202 and returns its job link. */
	private static String publish(LocalStack stack, String event) throws Exception {
		HttpResponse<String> accepted = stack.post(stack.apiPort, "/api/v1/publish-market-event", event);
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
		Matcher job = JOB.matcher(accepted.body());
		assertThat(job.find()).as(accepted.body()).isTrue();
		return job.group(1);
	}

}
