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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process the system tests start (run-local.sh, redis-server), isolated from whoever
 * runs the tests and never left running after them.
 * <p>
 * Its environment holds only {@link #INHERITED basics} of this JVM's and what the test
 * sets: a developer's {@code PRICING_*}, {@code SPRING_*}, {@code REDIS_URL},
 * {@code OTEL_*}, {@code JAVA_OPTS} or {@code JAVA_TOOL_OPTIONS} would otherwise reach
 * every service of the stack and change what the test runs.
 * <p>
 * It is stopped with everything it started, however the test ends: by {@link #stop} (the
 * test's own close), by a shutdown hook when this JVM exits, and, when this JVM is killed
 * without running its hooks (surefire halts a forked JVM that outlives
 * {@code forkedProcessTimeoutInSeconds}, or after
 * {@code forkedProcessExitTimeoutInSeconds}), by a watchdog: a shell that waits for the
 * end of its standard input, a pipe from this JVM that only closes when the JVM is gone,
 * then signals the process's group. With {@code setsid} on the {@code PATH} (util-linux)
 * the process leads a group of its own that its descendants share, so the watchdog
 * reaches them even once it has died; otherwise the watchdog signals the process alone.
 */
final class ChildProcess {

	/**
	 * What a child keeps of this JVM's environment: where programs, the JDK and the
	 * user's files are, locale, time zone and temporary directory.
	 */
	static final Set<String> INHERITED = Set.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR",
			"JAVA_HOME");

	/**
	 * How long the shutdown hook waits for the processes still running to stop after
	 * SIGTERM before it kills them: within the 30 s a surefire fork gets to exit.
	 */
	private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(15);

	/**
	 * The watchdog: ignores the signals a terminal or a build sends to this JVM's group,
	 * waits for end of input, then sends SIGTERM to its target ($1: a pid, or minus a
	 * process group id), and SIGKILL when it is still there 20 s later.
	 */
	private static final String WATCHDOG = """
			trap '' INT TERM HUP
			read -r _ || :
			kill -TERM -- "$1" 2>/dev/null || exit 0
			for ((i = 0; i < 40; i++)); do
			  sleep 0.5
			  kill -0 -- "$1" 2>/dev/null || exit 0
			done
			kill -KILL -- "$1" 2>/dev/null
			""";

	private static final Set<ChildProcess> running = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::stopAll, "stop-child-processes"));
	}

	private final Process process;

	private final Process watchdog;

	/** This process and every descendant seen so far. */
	private final Set<ProcessHandle> recorded = ConcurrentHashMap.newKeySet();

	private ChildProcess(Process process, Process watchdog) {
		this.process = process;
		this.watchdog = watchdog;
		this.recorded.add(process.toHandle());
	}

	/**
	 * Starts a process with a controlled environment.
	 * @param command the program and its arguments
	 * @param environment the variables the test sets, on top of the {@link #INHERITED}
	 * ones
	 * @param directory the working directory
	 * @param output where standard output and standard error go
	 * @return the running process
	 */
	static ChildProcess start(List<String> command, Map<String, String> environment, Path directory,
			ProcessBuilder.Redirect output) throws IOException {
		Optional<Path> setsid = onPath("setsid");
		List<String> launched = new ArrayList<>();
		setsid.ifPresent((program) -> launched.add(program.toString()));
		launched.addAll(command);
		ProcessBuilder builder = new ProcessBuilder(launched).directory(directory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(output);
		replaceEnvironment(builder, environment);
		Process process = builder.start();
		// setsid runs the command in place (same pid), as the leader of a new group
		String target = (setsid.isPresent() ? "-" : "") + process.pid();
		ProcessBuilder watchdog = new ProcessBuilder("bash", "-c", WATCHDOG, "watchdog", target)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.DISCARD);
		replaceEnvironment(watchdog, Map.of());
		ChildProcess child;
		try {
			child = new ChildProcess(process, watchdog.start());
		}
		catch (IOException ex) {
			process.destroyForcibly();
			throw ex;
		}
		running.add(child);
		return child;
	}

	/**
	 * The environment of a child: the {@link #INHERITED} variables of {@code inherited},
	 * then those the test sets.
	 * @param inherited the environment of this JVM
	 * @param set the variables the test sets
	 * @return the child's environment
	 */
	static Map<String, String> environment(Map<String, String> inherited, Map<String, String> set) {
		Map<String, String> environment = new HashMap<>();
		inherited.forEach((name, value) -> {
			if (INHERITED.contains(name)) {
				environment.put(name, value);
			}
		});
		environment.putAll(set);
		return environment;
	}

	private static void replaceEnvironment(ProcessBuilder builder, Map<String, String> set) {
		builder.environment().clear();
		builder.environment().putAll(environment(System.getenv(), set));
	}

	Process process() {
		return this.process;
	}

	/**
	 * This process and its descendants running now, which are added to the
	 * {@link #recorded() record}.
	 * @return the processes
	 */
	List<ProcessHandle> tree() {
		List<ProcessHandle> tree = new ArrayList<>();
		tree.add(this.process.toHandle());
		this.process.descendants().forEach(tree::add);
		this.recorded.addAll(tree);
		return tree;
	}

	/** This process and every descendant {@link #tree()} has seen. */
	Set<ProcessHandle> recorded() {
		return Set.copyOf(this.recorded);
	}

	/**
	 * Sends SIGTERM to the process (as Ctrl-C on a script would: a script stops what it
	 * started), waits for it to end, then kills whatever of its tree is still alive.
	 * @param grace how long the process gets to end after SIGTERM
	 * @return the process's exit status (137 when it had to be killed)
	 */
	int stop(Duration grace) {
		terminate();
		return killAfter(System.nanoTime() + grace.toNanos());
	}

	private void terminate() {
		tree();
		this.process.destroy();
	}

	private int killAfter(long deadline) {
		try {
			this.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			// descendants of a process that ended are no longer its descendants: the
			// record holds them
			tree();
			this.recorded.forEach(ProcessHandle::destroyForcibly);
			for (ProcessHandle process : this.recorded) {
				process.onExit().get(10, TimeUnit.SECONDS);
			}
			return this.process.waitFor();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.recorded.forEach(ProcessHandle::destroyForcibly);
			return -1;
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("Process still running after SIGKILL: " + alive(), ex);
		}
		finally {
			stopWatchdog();
			running.remove(this);
		}
	}

	/**
	 * Kills the watchdog and waits until it is gone (a killed process takes a moment).
	 */
	private void stopWatchdog() {
		this.watchdog.destroyForcibly();
		try {
			this.watchdog.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private List<ProcessHandle> alive() {
		return this.recorded.stream().filter(ProcessHandle::isAlive).toList();
	}

	/** Stops every child still running, all at once, when this JVM exits. */
	private static void stopAll() {
		List<ChildProcess> children = List.copyOf(running);
		children.forEach(ChildProcess::terminate);
		long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
		for (ChildProcess child : children) {
			try {
				child.killAfter(deadline);
			}
			catch (RuntimeException ex) {
				System.err.println("Could not stop " + child.process + ": " + ex.getMessage());
			}
		}
	}

	/**
	 * A program in a directory of the {@code PATH}.
	 * @param program the program's name
	 * @return its path
	 */
	static Optional<Path> onPath(String program) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String directory : path.split(File.pathSeparator)) {
			Path candidate = Path.of(directory, program);
			if (Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

}
