package dev.pricingengine.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

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
		assertThat(list(service("api").get("ports"))).containsExactly("8080:8080");
		assertThat(list(service("jaeger").get("ports"))).contains("16686:16686");
		for (String name : SERVICES) {
			assertThat(map(map(service(name).get("build")).get("args"))).as(name)
				.containsEntry("SERVICE", name + "-service");
		}
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
		Map<String, Object> traces = map(map(map(this.collector.get("service")).get("pipelines")).get("traces"));
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

	@Test
	void theImageBuildsWithTheWrapperAndRunsTheLayeredJarAsNonRootWithTheAgent() {
		String dockerfile = dockerfile();
		assertThat(dockerfile).contains("./mvnw")
			.contains("-Djarmode=tools")
			.contains("extract --layers")
			.contains("target/agent/opentelemetry-javaagent.jar")
			.contains("JAVA_TOOL_OPTIONS=\"-javaagent:/opt/opentelemetry/opentelemetry-javaagent.jar\"")
			.contains("OTEL_SERVICE_NAME=\"${SERVICE}\"")
			.contains("SPRING_PROFILES_ACTIVE=docker")
			.contains("cp \"${SERVICE}/jvm.options\" /jvm/")
			.contains("COPY --from=build /jvm/jvm.options /app/jvm.options")
			.contains("ENTRYPOINT [\"java\", \"@/app/jvm.options\", \"-jar\", \"/app/app.jar\"]")
			.contains("COPY otel-agent.properties /opt/opentelemetry/otel-agent.properties")
			.contains("OTEL_JAVAAGENT_CONFIGURATION_FILE=/opt/opentelemetry/otel-agent.properties");
		assertThat(LocalStack.REPOSITORY_ROOT.resolve("otel-agent.properties")).as("the agent's defaults")
			.content()
			.containsPattern("(?m)^otel.instrumentation.common.default-enabled=false$")
			.containsPattern("(?m)^otel.instrumentation.opentelemetry-api.enabled=true$");
		for (String module : List.of("api-service", "listener-service", "worker-service")) {
			assertThat(LocalStack.REPOSITORY_ROOT.resolve(module).resolve("jvm.options"))
				.as("JVM defaults of %s", module)
				.content()
				.containsPattern("(?m)^-Xmx\\d+m$");
		}
		assertThat(dockerfile.lines().filter((line) -> line.startsWith("USER ")).toList())
			.containsExactly("USER pricing");
		assertThat(dockerfile.lines().filter((line) -> line.startsWith("COPY --from=build /extracted/")).toList())
			.as("layers, least often changed first")
			.extracting((line) -> line.split("/")[2])
			.containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
	}

	private Map<String, Object> services() {
		return map(this.compose.get("services"));
	}

	private Map<String, Object> service(String name) {
		return map(services().get(name));
	}

	private static String dockerfile() {
		try {
			return Files.readString(LocalStack.REPOSITORY_ROOT.resolve("Dockerfile"));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, Object> yaml(String file) {
		Path path = LocalStack.REPOSITORY_ROOT.resolve(file);
		try {
			return new Yaml().load(Files.readString(path));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		assertThat(value).isInstanceOf(Map.class);
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object value) {
		assertThat(value).isInstanceOf(List.class);
		return (List<Object>) value;
	}

}
