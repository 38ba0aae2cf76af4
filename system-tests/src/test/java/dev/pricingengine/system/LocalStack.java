package dev.pricingengine.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pricingengine.common.test.OpenApiContract;

import static org.awaitility.Awaitility.await;

/**
 * {@code scripts/run-local.sh} as a process: the whole stack on free ports, its output
 * written to a file the test reads.
 */
final class LocalStack implements AutoCloseable {

	static final Path REPOSITORY_ROOT = Path.of(System.getProperty("pricing.repository-root", ".."))
		.toAbsolutePath()
		.normalize();

	private static final String API_KEY_HEADER = "X-API-Key";

	private static final Pattern GENERATED_KEY = Pattern.compile("API key +([0-9a-f]{32}) \\(generated");

	/** Heap of every service the stack runs. */
	static final String HEAP = "64m";

	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	final int redisPort;

	final int apiPort;

	/**
	 * API replicas (run-local.sh's {@code APIS}), on the ports from {@link #apiPort} on.
	 */
	private final int apis;

	private final ChildProcess script;

	private final Path outputFile;

	/** The API key run-local.sh generated and printed for this run. */
	private String apiKey;

	/** The OpenAPI document the API serves, as a contract its answers keep. */
	private OpenApiContract contract;

	private final List<String> contractViolations = new CopyOnWriteArrayList<>();

	private LocalStack(int redisPort, int apiPort, int apis, ChildProcess script, Path outputFile) {
		this.redisPort = redisPort;
		this.apiPort = apiPort;
		this.apis = apis;
		this.script = script;
		this.outputFile = outputFile;
	}

	/**
	 * Starts the script and waits until it reports the stack running.
	 * @param runDir where the script keeps logs
	 * @param environment the environment variables the test sets (the script gets no
	 * others of this JVM's than {@link ChildProcess#INHERITED})
	 * @return the running stack
	 */
	static LocalStack start(Path runDir, Map<String, String> environment) throws IOException {
		return start(runDir, freePorts(1), environment);
	}

	/**
	 * Starts the script on a given Redis port (a Redis answering there is used as it is)
	 * and waits until it reports the stack running.
	 * @param runDir where the script keeps logs
	 * @param redisPort the port of the stack's Redis on the loopback address
	 * @param environment the environment variables the test sets
	 * @return the running stack
	 */
	static LocalStack start(Path runDir, int redisPort, Map<String, String> environment) throws IOException {
		int apiPort = freePorts(8);
		Path outputFile = runDir.resolve("run-local.out");
		Map<String, String> settings = new HashMap<>();
		settings.put("RUN_DIR", runDir.toString());
		settings.put("REDIS_URL", "redis://127.0.0.1:" + redisPort);
		settings.put("API_PORT", String.valueOf(apiPort));
		// Small heaps on purpose: a service that buffers what it should stream dies here.
		settings.put("JAVA_OPTS", "-Xmx" + HEAP + " -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1");
		// A job whose worker died is taken over after this long (default 60s); retries
		// back off from 50 ms (default 200 ms) so that a job's six attempts end well
		// within it (a live job older than that would be taken over and run twice).
		settings.put("PRICING_WORKER_CLAIM_IDLE", "5s");
		settings.put("PRICING_WORKER_RETRY_INITIAL_DELAY", "50ms");
		settings.putAll(environment);
		ChildProcess script = ChildProcess.start(
				List.of("bash", REPOSITORY_ROOT.resolve("scripts/run-local.sh").toString()), settings, REPOSITORY_ROOT,
				ProcessBuilder.Redirect.to(outputFile.toFile()));
		LocalStack stack = new LocalStack(redisPort, apiPort, Integer.parseInt(settings.getOrDefault("APIS", "1")),
				script, outputFile);
		try {
			await("run-local.sh reports the stack running").atMost(Duration.ofMinutes(5))
				.pollInterval(Duration.ofMillis(500))
				.failFast("run-local.sh exited", () -> !script.process().isAlive())
				.until(() -> stack.output().contains("Pricing engine is running"));
			script.tree();
			Matcher key = GENERATED_KEY.matcher(stack.output());
			if (!key.find()) {
				throw new IllegalStateException("run-local.sh printed no generated API key:\n" + stack.output());
			}
			stack.apiKey = key.group(1);
			return stack;
		}
		catch (Throwable ex) {
			// the test never gets the stack to close
			try {
				stack.close();
				ex.addSuppressed(new IllegalStateException("run-local.sh printed:\n" + stack.output()));
			}
			catch (Throwable closing) {
				ex.addSuppressed(closing);
			}
			throw ex;
		}
	}

	/** The API key run-local.sh generated for this run. */
	String apiKey() {
		return this.apiKey;
	}

	HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.header(API_KEY_HEADER, this.apiKey)
			.build();
		return exchange(port, request);
	}

	HttpResponse<String> post(int port, String path, String json) throws IOException, InterruptedException {
		return send("POST", port, path, json);
	}

	HttpResponse<String> put(int port, String path, String json) throws IOException, InterruptedException {
		return send("PUT", port, path, json);
	}

	/** A POST without the API key, as a caller who has none would send it. */
	HttpResponse<String> postWithoutKey(int port, String path, String json) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
		return exchange(port, request);
	}

	private HttpResponse<String> send(String method, int port, String path, String json)
			throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Content-Type", "application/json")
			.header(API_KEY_HEADER, this.apiKey)
			.method(method, HttpRequest.BodyPublishers.ofString(json))
			.build();
		return exchange(port, request);
	}

	HttpResponse<String> postNdjson(int port, String path, Supplier<InputStream> body)
			throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofMinutes(2))
			.header("Content-Type", "application/x-ndjson")
			.header(API_KEY_HEADER, this.apiKey)
			.POST(HttpRequest.BodyPublishers.ofInputStream(body))
			.build();
		return exchange(port, request);
	}

	/**
	 * Sends a request; an answer of the API under {@code /api/} must keep the OpenAPI
	 * document the API serves (read once, on the first such answer), or the exchange
	 * fails here with what the document does not declare (and it is kept for
	 * {@link #contractViolations()}).
	 */
	private HttpResponse<String> exchange(int port, HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		String path = request.uri().getRawPath();
		if (apiPorts().contains(port) && path.startsWith("/api/")) {
			String uri = path + ((request.uri().getRawQuery() != null) ? "?" + request.uri().getRawQuery() : "");
			List<String> violations = contract(port).violations(request.method(), uri, response.statusCode(),
					response.headers().firstValue("Content-Type").orElse(null), response.body());
			if (!violations.isEmpty()) {
				this.contractViolations.addAll(violations);
				throw new AssertionError("The answer breaks the API's OpenAPI document: " + violations);
			}
		}
		return response;
	}

	private synchronized OpenApiContract contract(int port) throws IOException, InterruptedException {
		if (this.contract == null) {
			HttpResponse<String> document = http
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/docs/openapi.json"))
					.timeout(Duration.ofSeconds(10))
					.build(), HttpResponse.BodyHandlers.ofString());
			if (document.statusCode() != 200) {
				throw new IllegalStateException("GET /docs/openapi.json answered " + document.statusCode());
			}
			this.contract = OpenApiContract.of(document.body());
		}
		return this.contract;
	}

	/**
	 * Sends one command to the stack's Redis and reads an integer reply.
	 * @param command the command and its arguments
	 * @return the integer reply
	 */
	long redisInteger(String... command) throws IOException {
		StringBuilder request = new StringBuilder("*").append(command.length).append("\r\n");
		for (String part : command) {
			request.append('$')
				.append(part.getBytes(StandardCharsets.UTF_8).length)
				.append("\r\n")
				.append(part)
				.append("\r\n");
		}
		try (Socket socket = new Socket("127.0.0.1", this.redisPort)) {
			socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
			String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
				.readLine();
			if (!reply.startsWith(":")) {
				throw new IllegalStateException("Unexpected Redis reply " + reply);
			}
			return Long.parseLong(reply.substring(1));
		}
	}

	/**
	 * What the API's answers so far did not keep of its OpenAPI document, for tests whose
	 * requests run on threads of their own (where the exchange's failure ends only that
	 * thread).
	 */
	List<String> contractViolations() {
		return List.copyOf(this.contractViolations);
	}

	/** The ports of the API replicas. */
	List<Integer> apiPorts() {
		return ports(this.apiPort, this.apis);
	}

	/** The ports of the two listeners, after the API replicas'. */
	List<Integer> listenerPorts() {
		return ports(this.apiPort + this.apis, 2);
	}

	/** The ports of the two workers, after the listeners'. */
	List<Integer> workerPorts() {
		return ports(this.apiPort + this.apis + 2, 2);
	}

	private static List<Integer> ports(int first, int count) {
		return IntStream.range(first, first + count).boxed().toList();
	}

	/**
	 * The service processes of a module running now (restarted ones included).
	 * @param module {@code api-service}, {@code listener-service} or
	 * {@code worker-service}
	 * @return their processes
	 */
	List<ProcessHandle> running(String module) {
		return this.script.tree()
			.stream()
			.filter((process) -> process.info().commandLine().orElse("").contains("/" + module + "-"))
			.toList();
	}

	/**
	 * Where a service's threads of some name are: a thread dump
	 * ({@code jcmd Thread.print} of the JDK the service runs on), kept beside the
	 * services' logs, and the top of those threads' stacks from it.
	 * @param service the service's process
	 * @param threadPrefix how the names of the threads to describe start
	 * @param frames the frames to give of each
	 * @return the process id, and each thread's name and top frames, on one line
	 */
	String threadDump(ProcessHandle service, String threadPrefix, int frames) throws IOException, InterruptedException {
		Path java = Path.of(service.info().command().orElseThrow(() -> new IOException("no command")));
		Path dump = this.outputFile.resolveSibling("logs")
			.resolve("threads-" + service.pid() + "-" + System.currentTimeMillis() + ".txt");
		Process jcmd = new ProcessBuilder(java.resolveSibling("jcmd").toString(), String.valueOf(service.pid()),
				"Thread.print")
			.redirectErrorStream(true)
			.redirectOutput(dump.toFile())
			.start();
		if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
			jcmd.destroyForcibly();
			throw new IOException("jcmd gave no thread dump in 30 s");
		}
		List<String> lines = Files.readAllLines(dump, StandardCharsets.UTF_8);
		StringBuilder threads = new StringBuilder().append(service.pid());
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).startsWith("\"" + threadPrefix)) {
				threads.append(' ').append(lines.get(i), 1, lines.get(i).indexOf('"', 1)).append(':');
				int given = 0;
				for (int j = i + 1; j < lines.size() && given < frames && !lines.get(j).isBlank(); j++) {
					String line = lines.get(j).strip();
					if (line.startsWith("java.lang.Thread.State: ")) {
						threads.append(' ').append(line.substring("java.lang.Thread.State: ".length()));
					}
					else if (line.startsWith("at ") && !line.contains("(java.base@")) {
						threads.append(" < ").append(line.substring(3));
						given++;
					}
				}
			}
		}
		return threads.toString();
	}

	/**
	 * Sends SIGTERM, as Ctrl-C would, and waits for the script to end; kills what is left
	 * of the stack after 60 s.
	 * @return the script's exit status
	 */
	int stop() {
		return this.script.stop(Duration.ofSeconds(60));
	}

	String output() throws IOException {
		return Files.readString(this.outputFile, StandardCharsets.UTF_8);
	}

	static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		stop();
	}

	/** The first of {@code count} consecutive free ports. */
	static int freePorts(int count) {
		for (int attempt = 0; attempt < 100; attempt++) {
			int first = ThreadLocalRandom.current().nextInt(20_000, 40_000);
			boolean allFree = true;
			for (int port = first; port < first + count && allFree; port++) {
				allFree = isFree(port);
			}
			if (allFree) {
				return first;
			}
		}
		throw new IllegalStateException("No " + count + " consecutive free ports");
	}

	static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
