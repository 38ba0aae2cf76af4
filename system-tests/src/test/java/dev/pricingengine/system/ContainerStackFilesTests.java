package dev.pricingengine.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.convert.DurationStyle;

import static dev.pricingengine.system.YamlValues.at;
import static dev.pricingengine.system.YamlValues.list;
import static dev.pricingengine.system.YamlValues.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container stack, checked without a Docker engine (our build machines have none):
 * {@code docker-compose.yml}, {@code otel-collector.yaml} and the {@code Dockerfile} are
 * parsed and held to what the README promises. The same topology runs as local processes
 * in {@link RunLocalScriptIntegrationTests}.
 */
class ContainerStackFilesTests {

	private static final Pattern PINNED_IMAGE = Pattern.compile("[a-z0-9./-]+:\\d+(\\.\\d+)+[a-z0-9._-]*");

	private static final List<String> SERVICES = List.of("api", "listener", "worker");

	private final Map<String, Object> compose = yaml("docker-compose.yml");

	private final Map<String, Object> collector = yaml("otel-collector.yaml");

	@Test
	void composeRunsRedisTheCollectorJaegerAndTheServicesWithReplicas() {
		assertThat(services().keySet()).containsExactlyInAnyOrder("redis", "otel-collector", "jaeger", "api",
				"listener", "worker");
		assertThat(map(service("listener").get("deploy")).get("replicas")).isEqualTo(2);
		assertThat(map(service("worker").get("deploy")).get("replicas")).isEqualTo(2);
		assertThat(service("worker").get("cpu_shares")).as("workers yield the CPU to the read path").isEqualTo(256);
		assertThat(service("api")).doesNotContainKey("cpu_shares");
		assertThat(list(service("api").get("ports"))).containsExactly("127.0.0.1:8080:8080");
		assertThat(list(service("jaeger").get("ports"))).contains("127.0.0.1:16686:16686");
		assertThat(list(service("otel-collector").get("ports"))).containsExactly("127.0.0.1:4317:4317",
				"127.0.0.1:4318:4318");
		for (String name : SERVICES) {
			assertThat(map(map(service(name).get("build")).get("args"))).as(name)
				.containsEntry("SERVICE", name + "-service");
		}
	}

	@Test
	void everyContainerIsPublishedOnTheLoopbackAddressOnlyAndRestartsUnlessStopped() {
		services().forEach((name, definition) -> {
			assertThat(map(definition)).as(name).containsEntry("restart", "unless-stopped");
			Object ports = map(definition).get("ports");
			if (ports != null) {
				assertThat(list(ports)).as("ports of %s", name)
					.allSatisfy(
							(port) -> assertThat(port).isInstanceOf(String.class).asString().startsWith("127.0.0.1:"));
			}
		});
	}

	/**
	 * Docker kills a container this long after {@code docker stop}: longer than the
	 * service's own graceful shutdown, so that requests and batches in flight end.
	 */
	@Test
	void servicesGetLongerToStopThanTheirGracefulShutdownAndALimitedMemory() {
		for (String name : SERVICES) {
			Duration shutdown = gracefulShutdownTimeout(name + "-service");
			assertThat(DurationStyle.detectAndParse((String) service(name).get("stop_grace_period"))).as(name)
				.isGreaterThan(shutdown);
			assertThat(service(name)).as(name).containsEntry("mem_limit", "512m");
			assertThat(map(service(name).getOrDefault("deploy", Map.of()))).as("no second limit in deploy of %s", name)
				.doesNotContainKey("resources");
			assertThat(map(service(name).get("environment"))).as(name).containsEntry("JAVA_OPTS", "${JAVA_OPTS:-}");
		}
	}

	/** CVE-2025-49844 (a use-after-free through Lua scripts) is fixed in 7.4.6. */
	@Test
	void redisHasTheLuaUseAfterFreeFixed() {
		Matcher image = Pattern.compile("redis:(\\d+(?:\\.\\d+)*)-alpine")
			.matcher((String) service("redis").get("image"));
		assertThat(image.matches()).as("redis image %s", service("redis").get("image")).isTrue();
		int[] version = Arrays.stream(image.group(1).split("\\.")).mapToInt(Integer::parseInt).toArray();
		assertThat(Arrays.compare(version, new int[] { 7, 4, 6 })).as("redis %s", image.group(1))
			.isGreaterThanOrEqualTo(0);
	}

	@Test
	void everyImageIsPinned() {
		services().forEach((name, definition) -> {
			Object image = map(definition).get("image");
			if (image != null) {
				assertThat((String) image).as(name).matches(PINNED_IMAGE).doesNotContain(":latest");
			}
		});
		assertThat(dockerfile().lines().filter((line) -> line.startsWith("FROM "))).as("base images of the Dockerfile")
			.hasSize(2)
			.allSatisfy((line) -> assertThat(line.split(" ")[1]).matches(PINNED_IMAGE));
	}

	@Test
	void redisKeepsAnAppendOnlyFileAndEveryServiceButTheCollectorHasAHealthCheck() {
		assertThat(list(service("redis").get("command"))).containsSubsequence("--appendonly", "yes")
			.containsSubsequence("--appendfsync", "always");
		services().forEach((name, definition) -> {
			if (!name.equals("otel-collector")) {
				assertThat(list(map(map(definition).get("healthcheck")).get("test"))).as("health check of %s", name)
					.isNotEmpty();
			}
		});
		for (String name : SERVICES) {
			String port = switch (name) {
				case "api" -> "8080";
				case "listener" -> "8081";
				default -> "8082";
			};
			assertThat(list(map(service(name).get("healthcheck")).get("test")).toString()).as(name)
				.contains("/dev/tcp/127.0.0.1/" + port)
				.contains("/actuator/health/readiness");
		}
	}

	@Test
	void servicesWaitForAHealthyRedisAndSendTracesToTheCollector() {
		for (String name : SERVICES) {
			Map<String, Object> dependsOn = map(service(name).get("depends_on"));
			assertThat(map(dependsOn.get("redis"))).as(name).containsEntry("condition", "service_healthy");
			assertThat(dependsOn).as(name).containsKey("otel-collector");
			assertThat(map(service(name).get("environment"))).as(name)
				.containsEntry("REDIS_URL", "redis://redis:6379")
				.containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318");
		}
		assertThat(map(service("worker").get("environment"))).containsEntry("OTEL_INSTRUMENTATION_LETTUCE_ENABLED",
				"false");
		assertThat(map(service("api").get("environment"))).as("no Redis command spans without a parent")
			.containsEntry("OTEL_INSTRUMENTATION_LETTUCE_ENABLED", "false");
		assertThat(map(service("api").get("environment"))).as("the agents' sampler, passed through")
			.containsEntry("OTEL_TRACES_SAMPLER", "${OTEL_TRACES_SAMPLER:-pricing}");
		assertThat(map(map(service("otel-collector").get("depends_on")).get("jaeger"))).containsEntry("condition",
				"service_healthy");
		assertThat(list(service("otel-collector").get("volumes")))
			.containsExactly("./otel-collector.yaml:/etc/otelcol/config.yaml:ro");
	}

	@Test
	void theCollectorReceivesOtlpAndExportsTracesToJaeger() {
		Map<String, Object> otlp = map(map(map(this.collector.get("receivers")).get("otlp")).get("protocols"));
		assertThat(map(otlp.get("grpc"))).containsEntry("endpoint", "0.0.0.0:4317");
		assertThat(map(otlp.get("http"))).containsEntry("endpoint", "0.0.0.0:4318");
		Map<String, Object> traces = tracesPipeline();
		assertThat(list(traces.get("receivers"))).containsExactly("otlp");
		assertThat(list(traces.get("processors"))).contains("batch");
		List<Object> exporters = list(traces.get("exporters"));
		assertThat(exporters).hasSize(1);
		assertThat(map(map(this.collector.get("exporters")).get((String) exporters.get(0)))).containsEntry("endpoint",
				"jaeger:4317");
		for (String section : List.of("processors", "exporters")) {
			assertThat(map(this.collector.get(section)).keySet()).as("%s defined", section)
				.containsAll(list(traces.get(section)).stream().map(String.class::cast).toList());
		}
	}

	/**
	 * Health checks and metrics scrapes (their server spans, each a trace of its own) are
	 * dropped before Jaeger; the condition's pattern is held to paths of both kinds.
	 */
	@Test
	void theCollectorDropsTheSpansOfActuatorRequests() {
		List<Object> processors = list(tracesPipeline().get("processors"));
		String filter = processors.stream()
			.map(String.class::cast)
			.filter((name) -> name.startsWith("filter"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no filter processor in the traces pipeline: " + processors));
		assertThat(processors).containsSubsequence("memory_limiter", filter, "batch");
		Map<String, Object> definition = map(map(this.collector.get("processors")).get(filter));
		assertThat(definition).containsEntry("error_mode", "ignore");
		List<Object> conditions = list(definition.get("trace_conditions"));
		assertThat(conditions).hasSize(1);
		Matcher condition = Pattern.compile("IsMatch\\(span\\.attributes\\[\"url\\.path\"\\], \"(.+)\"\\)")
			.matcher((String) conditions.get(0));
		assertThat(condition.matches()).as("a pattern on url.path: %s", conditions.get(0)).isTrue();
		Pattern path = Pattern.compile(condition.group(1));
		assertThat(List.of("/actuator/health/readiness", "/actuator/health", "/actuator/prometheus", "/actuator"))
			.allMatch((dropped) -> path.matcher(dropped).find());
		assertThat(List.of("/api/v1/publish-market-event", "/api/v1/jobs/7", "/api/v1/prices/P-1", "/actuators",
				"/docs/actuator"))
			.noneMatch((kept) -> path.matcher(kept).find());
	}

	@Test
	void theImageBuildsWithTheWrapperAndRunsTheLayeredJarAsNonRootWithTheAgent() {
		String dockerfile = dockerfile();
		assertThat(dockerfile).contains("./mvnw")
			.contains("-Djarmode=tools")
			.contains("extract --layers")
			.contains("target/agent/opentelemetry-javaagent.jar")
			.contains("target/agent/pricing-tracing-extension.jar")
			.contains("COPY tracing-extension tracing-extension")
			.contains("COPY --from=build /agent/ /opt/opentelemetry/")
			.contains("OTEL_SERVICE_NAME=\"${SERVICE}\"")
			.contains("SPRING_PROFILES_ACTIVE=docker")
			.contains("cp \"${SERVICE}/jvm.options\" /jvm/")
			.contains("COPY --from=build /jvm/jvm.options /app/jvm.options")
			.contains("COPY --chmod=755 scripts/java-service.sh /app/java-service.sh")
			.contains("COPY otel-agent.properties /opt/opentelemetry/otel-agent.properties")
			.contains("OTEL_JAVAAGENT_CONFIGURATION_FILE=/opt/opentelemetry/otel-agent.properties");
		assertThat(LocalStack.REPOSITORY_ROOT.resolve("otel-agent.properties")).as("the agent's defaults")
			.content()
			.containsPattern("(?m)^otel.instrumentation.common.default-enabled=false$")
			.containsPattern("(?m)^otel.instrumentation.opentelemetry-api.enabled=true$")
			.containsPattern("(?m)^otel.traces.sampler=pricing$");
		for (String module : List.of("api-service", "listener-service", "worker-service")) {
			assertThat(LocalStack.REPOSITORY_ROOT.resolve(module).resolve("jvm.options"))
				.as("JVM defaults of %s", module)
				.content()
				.containsPattern("(?m)^-Xmx\\d+m$");
		}
		assertThat(instructions(dockerfile, "ENTRYPOINT")).singleElement()
			.as("exec form: the launcher of run-local.sh, with the agent, the JVM defaults and the jar")
			.isEqualTo("[\"/app/java-service.sh\", \"/opt/opentelemetry/opentelemetry-javaagent.jar\", "
					+ "\"/app/jvm.options\", \"-jar\", \"/app/app.jar\"]");
		assertThat(instructions(dockerfile, "ENV"))
			.as("the agent is on the launcher's command line: a user's "
					+ "JAVA_TOOL_OPTIONS adds to it rather than replacing it")
			.noneMatch((env) -> env.contains("JAVA_TOOL_OPTIONS"));
		assertThat(instructions(dockerfile, "RUN"))
			.as("the Maven cache, shared by the three builds compose runs at once")
			.anyMatch((run) -> run.startsWith("--mount=type=cache,target=/root/.m2,sharing=locked ")
					&& run.contains("./mvnw"));
		assertThat(dockerfile.lines().filter((line) -> line.startsWith("USER ")).toList())
			.containsExactly("USER pricing");
		assertThat(dockerfile.lines().filter((line) -> line.startsWith("COPY --from=build /extracted/")).toList())
			.as("layers, least often changed first")
			.extracting((line) -> line.split("/")[2])
			.containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
	}

	/**
	 * The scripts keep LF line endings (bash reads a CR as part of the line), and so does
	 * the Maven wrapper, whatever the platform of the checkout.
	 */
	@Test
	void scriptsAndTheMavenWrapperKeepTheirLineEndingsOnEveryPlatform() throws IOException {
		assertThat(Files.readAllLines(LocalStack.REPOSITORY_ROOT.resolve(".gitattributes")))
			.contains("mvnw text eol=lf", "*.sh text eol=lf", "mvnw.cmd text eol=crlf");
	}

	private Map<String, Object> tracesPipeline() {
		return map(map(map(this.collector.get("service")).get("pipelines")).get("traces"));
	}

	private Map<String, Object> services() {
		return map(this.compose.get("services"));
	}

	private Map<String, Object> service(String name) {
		return map(services().get(name));
	}

	/**
	 * The arguments of each of the Dockerfile's instructions of a kind, continuation
	 * lines joined.
	 */
	private static List<String> instructions(String dockerfile, String kind) {
		return Pattern.compile("(?m)^" + kind + " ((?:.*\\\\\\n)*.*)$")
			.matcher(dockerfile)
			.results()
			.map((instruction) -> instruction.group(1).replaceAll("\\s*\\\\\\n\\s*", " "))
			.toList();
	}

	/**
	 * A service's {@code spring.lifecycle.timeout-per-shutdown-phase} as the containers
	 * run it: in its {@code application.yml}, the last setting of the documents for no
	 * profile or the {@code docker} one.
	 */
	private static Duration gracefulShutdownTimeout(String module) {
		Path file = LocalStack.REPOSITORY_ROOT.resolve(module).resolve("src/main/resources/application.yml");
		String timeout = null;
		for (Object document : new Yaml().loadAll(read(file))) {
			Object profile = at(document, "spring.config.activate.on-profile");
			Object setting = at(document, "spring.lifecycle.timeout-per-shutdown-phase");
			if ((profile == null || profile.equals("docker")) && setting != null) {
				timeout = (String) setting;
			}
		}
		assertThat(timeout).as("spring.lifecycle.timeout-per-shutdown-phase in %s", file).isNotNull();
		return DurationStyle.detectAndParse(timeout);
	}

	private static String dockerfile() {
		return read(LocalStack.REPOSITORY_ROOT.resolve("Dockerfile"));
	}

	private static Map<String, Object> yaml(String file) {
		return new Yaml().load(read(LocalStack.REPOSITORY_ROOT.resolve(file)));
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
