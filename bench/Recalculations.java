import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recalculation load of bench/load.sh, from one process: full recalculations back to back
 * (publish one, poll its job every 50 ms until it is SUCCEEDED or COALESCED, or 10 s passed,
 * publish the next) and a demand-factor event on a category every second. A shell loop of curl
 * processes doing the same took about 0.7 of a core for its forks on a 2-core machine, and
 * competed with the reads it was meant to disturb only through the stack.
 *
 * Prints "READY" once the first event was accepted, then one line per full recalculation, the
 * final state of its job: SUCCEEDED, COALESCED or the last state seen. Runs until killed.
 *
 * Usage: PRICING_API_KEY=... java bench/Recalculations.java API_PORT
 */
public class Recalculations {

	private static final Pattern JOB = Pattern.compile("\"job\":\"([^\"]+)\"");

	private static final Pattern STATE = Pattern.compile("\"state\":\"([A-Z_]+)\"");

	private static final long CATEGORY_EVENT_INTERVAL_NANOS = 1_000_000_000L;

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final String api;

	private final String apiKey = System.getenv("PRICING_API_KEY");

	private int categoryEvents;

	private long nextCategoryEvent = System.nanoTime();

	Recalculations(int port) {
		this.api = "http://127.0.0.1:" + port;
	}

	public static void main(String[] args) throws Exception {
		new Recalculations(Integer.parseInt(args[0])).run();
	}

	void run() throws Exception {
		boolean ready = false;
		while (true) {
			String job = find(JOB, publish("{\"type\":\"RECALCULATE\"}"));
			if (!ready) {
				System.out.println("READY");
				ready = true;
			}
			System.out.println(awaitEnd(job));
		}
	}

	private String awaitEnd(String job) throws Exception {
		long deadline = System.nanoTime() + 10_000_000_000L;
		String state = "UNKNOWN";
		while (System.nanoTime() < deadline) {
			publishCategoryEventWhenDue();
			HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(this.api + job)).GET());
			// 404 until a listener has put the job on the stream
			state = (status.statusCode() == 404) ? "NOT_YET_ON_THE_STREAM" : find(STATE, status.body());
			if (state.equals("SUCCEEDED") || state.equals("COALESCED")) {
				return state;
			}
			Thread.sleep(50);
		}
		return state;
	}

	private void publishCategoryEventWhenDue() throws Exception {
		if (System.nanoTime() < this.nextCategoryEvent) {
			return;
		}
		this.nextCategoryEvent += CATEGORY_EVENT_INTERVAL_NANOS;
		this.categoryEvents++;
		publish(String.format(Locale.ROOT, "{\"type\":\"DEMAND_FACTOR\",\"factor\":1.0%d,\"category\":\"C-%d\"}",
				this.categoryEvents % 9 + 1, this.categoryEvents % 20 + 1));
	}

	private String publish(String body) throws Exception {
		HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(this.api + "/api/v1/publish-market-event"))
			.header("Content-Type", "application/json")
			.header("X-API-Key", this.apiKey)
			.POST(HttpRequest.BodyPublishers.ofString(body)));
		if (answer.statusCode() != 202) {
			throw new IllegalStateException("Publish answered " + answer.statusCode() + ": " + answer.body());
		}
		return answer.body();
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String find(Pattern pattern, String body) {
		Matcher matcher = pattern.matcher(body);
		if (!matcher.find()) {
			throw new IllegalStateException("No " + pattern + " in " + body);
		}
		return matcher.group(1);
	}

}
