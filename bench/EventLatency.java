import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Event-to-price latency: publishes one demand-factor event at a time, at a steady rate, each on
 * its own category (P-k is in C-k in the bench catalog), and times from the 202 to the first read
 * of P-k that serves the changed price.
 *
 * Usage: java bench/EventLatency.java API_PORT EVENTS EVENTS_PER_SECOND
 */
public class EventLatency {

	private static final Pattern MARKET_PRICE = Pattern.compile("\"market_price\":([0-9.]+)");

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int events = Integer.parseInt(args[1]);
		long intervalNanos = (long) (1e9 / Double.parseDouble(args[2]));
		String apiKey = System.getenv("PRICING_API_KEY");
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		double[] latencies = new double[events];
		long next = System.nanoTime();
		for (int i = 0; i < events; i++) {
			while (System.nanoTime() < next) {
				Thread.onSpinWait();
			}
			next += intervalNanos;
			String product = "P-" + (i + 1);
			URI price = URI.create("http://127.0.0.1:" + port + "/api/v1/prices/" + product);
			String before = marketPrice(get(http, price));
			// Each category gets one event, with a factor far enough from 1 to change every price.
			String factor = String.format(java.util.Locale.ROOT, "%.2f", 1.1 + (i % 90) / 100.0);
			String body = "{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"category\":\"C-" + (i + 1)
					+ "\"}";
			HttpResponse<String> accepted = http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/publish-market-event"))
				.timeout(Duration.ofSeconds(10))
				.header("Content-Type", "application/json")
				.header("X-API-Key", apiKey)
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build(), HttpResponse.BodyHandlers.ofString());
			long acceptedAt = System.nanoTime();
			if (accepted.statusCode() != 202) {
				throw new IllegalStateException("Publish answered " + accepted.statusCode() + ": " + accepted.body());
			}
			while (marketPrice(get(http, price)).equals(before)) {
				if (System.nanoTime() - acceptedAt > 10_000_000_000L) {
					throw new IllegalStateException("No new price for " + product + " within 10 s");
				}
			}
			latencies[i] = (System.nanoTime() - acceptedAt) / 1e6;
		}
		Arrays.sort(latencies);
		System.out.printf("EVENT_TO_PRICE events=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f%n", events,
				latencies[events / 2], latencies[(int) Math.ceil(events * 0.99) - 1], latencies[events - 1]);
	}

	private static String get(HttpClient http, URI uri) throws Exception {
		return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
	}

	private static String marketPrice(String body) {
		Matcher matcher = MARKET_PRICE.matcher(body);
		if (!matcher.find()) {
			throw new IllegalStateException("No market_price in " + body);
		}
		return matcher.group(1);
	}

}
