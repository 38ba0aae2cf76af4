package dev.pricingengine.system;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/java-service.sh}, the launcher of every service's JVM (run-local.sh's
 * and the container image's), run as they run it: with a service's {@code jvm.options},
 * the real OpenTelemetry agent, and the JVM's own report of the flags it ended up with
 * ({@code -XX:+PrintFlagsFinal -version} in place of {@code -jar app.jar}).
 */
class JavaServiceScriptTests {

	private static final Path SCRIPT = LocalStack.REPOSITORY_ROOT.resolve("scripts/java-service.sh");

	/** Copied by the build before the tests run (system-tests' pom.xml). */
	private static final Path AGENT = Path
		.of(System.getProperty("pricing.opentelemetry-agent", "target/agent/opentelemetry-javaagent.jar"));

	private static final List<String> MODULES = List.of("api-service", "listener-service", "worker-service");

	/** The collectors the JVM selects with {@code -XX:+Use<Name>GC}. */
	private static final Pattern COLLECTOR = Pattern.compile("Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC");

	/**
	 * A line of {@code -XX:+PrintFlagsFinal}: type, name, {@code =} or {@code :=}, value.
	 */
	private static final Pattern FLAG = Pattern.compile("(?m)^\\s*\\S+\\s+(\\w+)\\s+:?=\\s+(\\S+)");

	private static final String AGENT_BANNER = "opentelemetry-javaagent - version: ";

	private static final String[] PRINT_FLAGS = { "-XX:+PrintFlagsFinal", "-version" };

	@TempDir
	Path directory;

	@ParameterizedTest
	@ValueSource(strings = { "api-service", "listener-service", "worker-service" })
	void startsTheJvmWithTheServicesDefaults(String module) throws Exception {
		Run run = run("", module, Map.of(), PRINT_FLAGS);

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.collectors()).containsExactly(defaultCollector(module));
		assertThat(run.flags()).containsEntry("MaxHeapSize", String.valueOf(defaultHeapBytes(module)));
		assertThat(run.output()).as("no agent given").doesNotContain(AGENT_BANNER);
	}

	/**
	 * A collector selected in {@code JAVA_OPTS} replaces the service's default one: with
	 * both the JVM would refuse to start ("Multiple garbage collectors selected").
	 */
	@ParameterizedTest
	@MethodSource("modulesAndCollectors")
	void collectorInJavaOptsReplacesTheServicesDefault(String module, String collector) throws Exception {
		Run run = run("", module, Map.of("JAVA_OPTS", "-XX:+" + collector), PRINT_FLAGS);

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.collectors()).containsExactly(collector);
		assertThat(run.flags()).as("the service's other defaults are kept")
			.containsEntry("MaxHeapSize", String.valueOf(defaultHeapBytes(module)));
	}

	@Test
	void collectorInJavaToolOptionsReplacesTheServicesDefault() throws Exception {
		Run run = run("", "api-service", Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC"), PRINT_FLAGS);

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.collectors()).containsExactly("UseSerialGC");
	}

	@Test
	void optionsInJavaOptsComeAfterTheDefaultsAndWin() throws Exception {
		Run run = run("", "api-service", Map.of("JAVA_OPTS", " -Xmx200m \t-XX:TieredStopAtLevel=1\n-Xss512k "),
				PRINT_FLAGS);

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.flags()).containsEntry("MaxHeapSize", String.valueOf(200L * 1024 * 1024))
			.containsEntry("TieredStopAtLevel", "1")
			.containsEntry("ThreadStackSize", "512");
		assertThat(run.collectors()).as("the default collector is kept").containsExactly("UseG1GC");
	}

	/**
	 * The agent is on the command line: a caller's {@code JAVA_TOOL_OPTIONS} (where the
	 * image used to attach it) adds to it instead of silently replacing it. The agent
	 * here has no extension beside it (the services' agents have:
	 * RunLocalScriptIntegrationTests checks their sampler): it starts, keeping every
	 * trace, and says so.
	 */
	@Test
	void attachesTheAgentAlongsideTheCallersJavaToolOptions() throws Exception {
		assertThat(AGENT).as("the OpenTelemetry agent, copied by the build").isRegularFile();
		Run run = run(AGENT.toAbsolutePath().toString(), "api-service",
				Map.of("JAVA_TOOL_OPTIONS", "-XX:ThreadStackSize=2048", "OTEL_TRACES_EXPORTER", "none",
						"OTEL_METRICS_EXPORTER", "none", "OTEL_LOGS_EXPORTER", "none"),
				PRINT_FLAGS);

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.output()).contains(AGENT_BANNER)
			.contains("pricing-tracing-extension.jar beside the agent: tracing every request");
		assertThat(run.flags()).containsEntry("ThreadStackSize", "2048");
	}

	/**
	 * The JVM replaces the script: the process the caller started (and whose pid
	 * run-local.sh records, and that {@code docker stop} signals) is the JVM.
	 */
	@Test
	void theJvmIsTheProcessTheCallerStarted() throws Exception {
		Path program = this.directory.resolve("Pid.java");
		Files.writeString(program, """
				class Pid {
					public static void main(String[] arguments) {
						System.out.println("pid=" + ProcessHandle.current().pid());
					}
				}
				""");

		Run run = run("", "listener-service", Map.of(), program.toString());

		assertThat(run.status()).as(run.output()).isZero();
		assertThat(run.output()).contains("pid=" + run.pid());
	}

	static Stream<Arguments> modulesAndCollectors() {
		return MODULES.stream()
			.flatMap((module) -> Stream.of("UseSerialGC", "UseParallelGC", "UseG1GC")
				.map((collector) -> Arguments.of(module, collector)));
	}

	private Run run(String agent, String module, Map<String, String> environment, String... javaArguments)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), agent, jvmOptions(module).toString()));
		command.addAll(List.of(javaArguments));
		Map<String, String> settings = new HashMap<>(environment);
		// the JDK that runs the tests, as the java on the PATH
		settings.put("PATH",
				Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
		Path output = Files.createTempFile(this.directory, module, ".out");
		ChildProcess java = ChildProcess.start(command, settings, this.directory,
				ProcessBuilder.Redirect.to(output.toFile()));
		java.process().waitFor(2, TimeUnit.MINUTES);
		int status = java.stop(Duration.ofSeconds(5));
		return new Run(java.process().pid(), status, Files.readString(output));
	}

	private static Path jvmOptions(String module) {
		return LocalStack.REPOSITORY_ROOT.resolve(module).resolve("jvm.options");
	}

	private static String defaultCollector(String module) throws IOException {
		Matcher collector = Pattern.compile("(?m)^-XX:\\+(" + COLLECTOR.pattern() + ")$")
			.matcher(Files.readString(jvmOptions(module)));
		assertThat(collector.find()).as("the collector in %s", jvmOptions(module)).isTrue();
		return collector.group(1);
	}

	private static long defaultHeapBytes(String module) throws IOException {
		Matcher heap = Pattern.compile("(?m)^-Xmx(\\d+)m$").matcher(Files.readString(jvmOptions(module)));
		assertThat(heap.find()).as("the heap size in %s", jvmOptions(module)).isTrue();
		return Long.parseLong(heap.group(1)) * 1024 * 1024;
	}

	/**
	 * One run of the script.
	 *
	 * @param pid the process the test started
	 * @param status its exit status
	 * @param output its standard output and error
	 */
	private record Run(long pid, int status, String output) {

		Map<String, String> flags() {
			Map<String, String> flags = new HashMap<>();
			Matcher flag = FLAG.matcher(this.output);
			while (flag.find()) {
				flags.put(flag.group(1), flag.group(2));
			}
			return flags;
		}

		Set<String> collectors() {
			return flags().entrySet()
				.stream()
				.filter((flag) -> COLLECTOR.matcher(flag.getKey()).matches() && flag.getValue().equals("true"))
				.map(Map.Entry::getKey)
				.collect(Collectors.toSet());
		}

	}

}
