package dev.pricingengine.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static dev.pricingengine.system.YamlValues.at;
import static dev.pricingengine.system.YamlValues.list;
import static dev.pricingengine.system.YamlValues.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests ({@code deploy/kubernetes}), rendered by
 * {@code kubectl kustomize} (offline, as {@code kubectl apply -k} would) and held to what
 * the services need: the probes on their actuator health groups, the memory measured
 * under load, room for the graceful shutdown, disruption budgets, the API keys from a
 * Secret, and in the production (Sentinel) and cluster (Redis Cluster) overlays the
 * workers' KEDA scaler on the job stream's lag. {@code .ci/run} installs Debian's kubectl
 * where it is missing; without one these tests are skipped, with the reason.
 */
class KubernetesManifestsTests {

	private static final Path MANIFESTS = LocalStack.REPOSITORY_ROOT.resolve("deploy/kubernetes");

	private static final Map<String, Integer> PORTS = Map.of("api-service", 8080, "listener-service", 8081,
			"worker-service", 8082);

	@BeforeAll
	static void kubectlIsInstalled() {
		Assumptions.assumeTrue(ChildProcess.onPath("kubectl").isPresent(),
				"kubectl is not installed (Debian package kubectl; .ci/run installs it)");
	}

	@Test
	void baseRunsEachServiceWithProbesMeasuredMemoryAGracefulStopAndADisruptionBudget() {
		List<Map<String, Object>> resources = render("base");
		for (Map.Entry<String, Integer> service : PORTS.entrySet()) {
			String name = service.getKey();
			Map<String, Object> deployment = resource(resources, "Deployment", name);
			Map<String, Object> pod = map(at(deployment, "spec.template.spec"));
			Map<String, Object> container = map(list(pod.get("containers")).get(0));
			assertThat(container.get("image")).as(name).isEqualTo("pricing-engine/" + name + ":0.1.0");
			assertThat(at(container, "ports")).as(name)
				.isEqualTo(List.of(Map.of("name", "http", "containerPort", service.getValue())));
			assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
			assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
			assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
			assertThat(at(container, "resources.limits.memory")).as(name).isEqualTo("512Mi");
			assertThat(at(container, "resources.requests.memory")).as(name).isEqualTo("512Mi");
			assertThat(at(container, "envFrom"))
				.isEqualTo(List.of(Map.of("configMapRef", Map.of("name", "pricing-config"))));
			assertThat((Integer) pod.get("terminationGracePeriodSeconds"))
				.as("%s: longer than its 30 s graceful shutdown", name)
				.isGreaterThan(30);
			assertThat(at(pod, "securityContext.runAsNonRoot")).isEqualTo(true);
			Map<String, Object> budget = resource(resources, "PodDisruptionBudget", name);
			assertThat(at(budget, "spec.selector.matchLabels")).isEqualTo(at(deployment, "spec.selector.matchLabels"))
				.isEqualTo(at(deployment, "spec.template.metadata.labels"));
		}
		assertThat(at(resource(resources, "ConfigMap", "pricing-config"), "data.REDIS_URL"))
			.isEqualTo("redis://redis:6379");
		assertThat(at(resource(resources, "Service", "api-service"), "spec.ports"))
			.isEqualTo(List.of(Map.of("name", "http", "port", 8080, "targetPort", "http")));
	}

	@Test
	void theApiTakesItsKeysFromASecret() {
		Map<String, Object> container = map(
				list(at(resource(render("base"), "Deployment", "api-service"), "spec.template.spec.containers"))
					.get(0));
		assertThat(list(container.get("env"))).contains(Map.of("name", "PRICING_SECURITY_API_KEYS", "valueFrom",
				Map.of("secretKeyRef", Map.of("name", "pricing-api-keys", "key", "api-keys"))));
	}

	@Test
	void productionUsesSentinelWaitsForAReplicaAndScalesWorkersOnTheJobStreamsLag() {
		List<Map<String, Object>> resources = render("overlays/production");
		Map<String, Object> config = map(at(resource(resources, "ConfigMap", "pricing-config"), "data"));
		assertThat(config).doesNotContainKey("REDIS_URL")
			.containsEntry("SPRING_DATA_REDIS_SENTINEL_MASTER", "pricing")
			.containsEntry("SPRING_DATA_REDIS_SENTINEL_NODES", "redis-sentinel:26379")
			.containsEntry("PRICING_EVENTS_MIN_REPLICAS", "1");
		Map<String, Object> trigger = scalesWorkersOnTheJobStreamsLag(resources, "redis-sentinel-streams");
		assertThat(map(trigger.get("metadata"))).containsEntry("sentinelMaster", "pricing")
			.containsEntry("addresses", "redis-sentinel:26379");
	}

	@Test
	void clusterUsesTheClusterNodesWaitsForAReplicaAndScalesWorkersOnTheJobStreamsLag() {
		List<Map<String, Object>> resources = render("overlays/cluster");
		Map<String, Object> config = map(at(resource(resources, "ConfigMap", "pricing-config"), "data"));
		assertThat(config).doesNotContainKey("REDIS_URL")
			.containsEntry("SPRING_DATA_REDIS_CLUSTER_NODES", "redis-cluster:6379")
			.containsEntry("PRICING_EVENTS_MIN_REPLICAS", "1")
			.containsEntry("PRICING_PARTITIONS", "12");
		Map<String, Object> trigger = scalesWorkersOnTheJobStreamsLag(resources, "redis-cluster-streams");
		assertThat(map(trigger.get("metadata"))).containsEntry("addresses", "redis-cluster:6379");
	}

	/**
	 * Three API replicas, and a KEDA scaler of a type on the workers' lag on the job
	 * stream, never below one worker.
	 * @return the scaler's trigger
	 */
	private static Map<String, Object> scalesWorkersOnTheJobStreamsLag(List<Map<String, Object>> resources,
			String type) {
		assertThat(at(resource(resources, "Deployment", "api-service"), "spec.replicas")).isEqualTo(3);
		Map<String, Object> scaler = resource(resources, "ScaledObject", "worker-service");
		assertThat(at(scaler, "apiVersion")).isEqualTo("keda.sh/v1alpha1");
		assertThat(at(scaler, "spec.scaleTargetRef.name")).isEqualTo("worker-service");
		assertThat((Integer) at(scaler, "spec.minReplicaCount")).as("one worker trims and drains").isEqualTo(1);
		Map<String, Object> trigger = map(list(at(scaler, "spec.triggers")).get(0));
		assertThat(trigger.get("type")).isEqualTo(type);
		// the job stream of the default prefix (RedisKeys.jobStream) and the workers'
		// group
		assertThat(map(trigger.get("metadata"))).containsEntry("stream", "pricing:{intake}:jobs")
			.containsEntry("consumerGroup", "workers")
			.containsKey("lagCount");
		return trigger;
	}

	/** The resources {@code kubectl kustomize} renders from a directory. */
	private static List<Map<String, Object>> render(String directory) {
		try {
			Process kubectl = new ProcessBuilder("kubectl", "kustomize", MANIFESTS.resolve(directory).toString())
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
			assertThat(kubectl.exitValue()).as("kubectl kustomize %s", directory).isZero();
			List<Map<String, Object>> resources = new ArrayList<>();
			new Yaml().loadAll(output).forEach((document) -> resources.add(map(document)));
			return resources;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, Object> resource(List<Map<String, Object>> resources, String kind, String name) {
		return resources.stream()
			.filter((resource) -> kind.equals(resource.get("kind")) && name.equals(at(resource, "metadata.name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + kind + " " + name + " rendered"));
	}

}
