package dev.pricingengine.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A JVM that started a {@link ChildProcess} (a shell with a child of its own) and then
 * ends: by {@code System.exit} (its shutdown hook runs) or by SIGKILL (as surefire's
 * {@code Runtime.halt} of a timed-out fork: no hook runs). Either way nothing it started
 * is left, and the shell saw none of the hostile environment the JVM was started with.
 */
class ChildProcessIntegrationTests {

	/** Variables a developer's shell may hold, none of which may reach a child. */
	private static final Map<String, String> HOSTILE = Map.of("PRICING_SECURITY_API_KEYS", "key-from-the-shell",
			"SPRING_PROFILES_ACTIVE", "docker", "REDIS_URL", "redis://127.0.0.1:1", "OTEL_TRACES_EXPORTER", "none",
			"JAVA_OPTS", "-Xmx8m", "JAVA_TOOL_OPTIONS", "-Dset.by=the-callers-shell", "MAVEN_ARGS", "--offline");

	/** What bash sets on its own. */
	private static final Set<String> SET_BY_BASH = Set.of("PWD", "SHLVL", "_", "OLDPWD");

	@ParameterizedTest
	@ValueSource(strings = { "exits", "is killed" })
	void leavesNothingRunningWhenTheJvmThatStartedItEnds(String ending, @TempDir Path directory) throws Exception {
		assumeTrue(ChildProcess.onPath("setsid").isPresent(),
				"needs setsid (util-linux) to stop a child's descendants once the child is gone");
		ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", testClasses(), Parent.class.getName(), directory.toString(), ending)
			.redirectError(directory.resolve("parent.err").toFile());
		builder.environment().putAll(HOSTILE);
		Process parent = builder.start();
		List<ProcessHandle> started = new ArrayList<>();
		try (BufferedReader output = new BufferedReader(
				new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
			String pids = output.readLine();
			assertThat(pids).as("pids of the child and its child, see %s", directory.resolve("parent.err"))
				.matches("\\d+ \\d+");
			for (String pid : pids.split(" ")) {
				ProcessHandle.of(Long.parseLong(pid)).ifPresent(started::add);
			}
			assertThat(started).as("the child and its child").hasSize(2);
			parent.descendants().forEach(started::add);
			assertThat(started).as("with the watchdog").hasSizeGreaterThanOrEqualTo(3);
			if (ending.equals("is killed")) {
				parent.destroyForcibly();
			}
			else {
				parent.getOutputStream().close(); // the parent's signal to exit
			}
			parent.waitFor();
		}
		finally {
			parent.destroyForcibly();
		}
		await("every process the JVM started has ended").atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(started).noneMatch(ProcessHandle::isAlive));

		List<String> environment = Files.readAllLines(directory.resolve("environment"));
		assertThat(environment).contains("SET_BY_THE_TEST=yes");
		assertThat(environment).map((line) -> line.substring(0, line.indexOf('=')))
			.contains("PATH")
			.allMatch((name) -> ChildProcess.INHERITED.contains(name) || SET_BY_BASH.contains(name)
					|| name.equals("SET_BY_THE_TEST"));
	}

	private static String testClasses() throws Exception {
		return Path.of(ChildProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
	}

	/**
	 * The JVM under test: starts a shell that writes its environment and starts a child,
	 * prints both pids, then exits at the end of its input, or waits to be killed.
	 */
	static final class Parent {

		public static void main(String[] args) throws IOException, InterruptedException {
			Path directory = Path.of(args[0]);
			ChildProcess child = ChildProcess.start(
					List.of("bash", "-c", "env > environment; sleep 600 & echo $!; wait"),
					Map.of("SET_BY_THE_TEST", "yes"), directory, ProcessBuilder.Redirect.PIPE);
			try (Stream<String> lines = new BufferedReader(
					new InputStreamReader(child.process().getInputStream(), StandardCharsets.UTF_8))
				.lines()) {
				String grandchild = lines.findFirst().orElseThrow();
				System.out.println(child.process().pid() + " " + grandchild);
			}
			if (args[1].equals("exits")) {
				// once the test has recorded the processes: at the end of the input
				System.in.transferTo(OutputStream.nullOutputStream());
				System.exit(0);
			}
			Thread.currentThread().join();
		}

	}

}
