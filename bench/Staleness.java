import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the staleness window of the API's in-memory price tier: for each trial it rewrites a
 * hot product's cached price in Redis and times how long the API keeps serving the old one.
 * The time runs from Redis acknowledging the write to the first answer with the new price, so it
 * includes one HTTP round trip (reported separately).
 *
 * Usage: java bench/Staleness.java API_PORT REDIS_HOST REDIS_PORT KEY_PREFIX TRIALS
 */
public class Staleness {

	private static final Pattern MARKET_PRICE = Pattern.compile("\"market_price\":([0-9.]+)");

	public static void main(String[] args) throws Exception {
		int apiPort = Integer.parseInt(args[0]);
		String redisHost = args[1];
		int redisPort = Integer.parseInt(args[2]);
		String prefix = args[3];
		int trials = Integer.parseInt(args[4]);
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		double[] windows = new double[trials];
		double[] roundTrips = new double[trials];
		int staleAnswers = 0;
		try (Socket redis = new Socket(redisHost, redisPort)) {
			for (int trial = 0; trial < trials; trial++) {
				String productId = "P-" + (trial + 1);
				URI uri = URI.create("http://127.0.0.1:" + apiPort + "/api/v1/prices/" + productId);
				marketPrice(http, uri);
				long rtStart = System.nanoTime();
				String before = marketPrice(http, uri);
				roundTrips[trial] = (System.nanoTime() - rtStart) / 1e6;
				String rewritten = String.format("%d.%02d", 100_000 + trial, trial % 100);
				set(redis, prefix + "{p0}:price:" + productId, rewritten + "|1.00|0|" + (trial + 1));
				long written = System.nanoTime();
				while (true) {
					String served = marketPrice(http, uri);
					if (Double.parseDouble(served) == Double.parseDouble(rewritten)) {
						windows[trial] = (System.nanoTime() - written) / 1e6;
						break;
					}
					if (!served.equals(before)) {
						throw new IllegalStateException("Unexpected price " + served);
					}
					staleAnswers++;
					if (System.nanoTime() - written > 5_000_000_000L) {
						throw new IllegalStateException("Still stale after 5 s: " + productId);
					}
				}
			}
		}
		Arrays.sort(windows);
		Arrays.sort(roundTrips);
		System.out.printf("STALENESS trials=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f stale_answers=%d http_round_trip_p50_ms=%.3f%n",
				trials, windows[trials / 2], windows[(int) Math.ceil(trials * 0.99) - 1], windows[trials - 1],
				staleAnswers, roundTrips[trials / 2]);
	}

	private static String marketPrice(HttpClient http, URI uri) throws IOException, InterruptedException {
		String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
		Matcher matcher = MARKET_PRICE.matcher(body);
		if (!matcher.find()) {
			throw new IllegalStateException("No market_price in " + body);
		}
		return matcher.group(1);
	}

	private static void set(Socket redis, String key, String value) throws IOException {
		StringBuilder command = new StringBuilder("*3\r\n");
		for (String part : new String[] { "SET", key, value }) {
			byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
			command.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
		}
		OutputStream out = redis.getOutputStream();
		out.write(command.toString().getBytes(StandardCharsets.UTF_8));
		out.flush();
		InputStream in = redis.getInputStream();
		StringBuilder reply = new StringBuilder();
		int c;
		while ((c = in.read()) != '\n') {
			reply.append((char) c);
		}
		if (!reply.toString().startsWith("+OK")) {
			throw new IllegalStateException("SET failed: " + reply);
		}
	}

}
