package dev.pricingengine.api.fuzz;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.ApiTestClient;
import dev.pricingengine.api.TestApiKey;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of malformed requests, generated from a fixed seed, against every endpoint:
 * truncated and corrupted JSON, wrong types, non-finite and out-of-range numbers, huge
 * strings, deep nesting, invalid UTF-8, hostile path and query values. Every answer must
 * be below 500, and every error a problem detail. The valid bodies the malformed ones are
 * made from are sent between them too, and must succeed with the expected answer. A
 * listener is subscribed, so valid events are accepted rather than refused for lack of
 * one.
 */
@ApiIntegrationTest
class BadInputFuzzIntegrationTests {

	private static final long SEED = 20261125L;

	private static final int REQUESTS_PER_TARGET = 300;

	/**
	 * Answered by the HTTP codec before any application code runs (a request line over
	 * 4,096 bytes, headers over 8 KiB): 4xx, but with no problem body. The generated URLs
	 * stay below that limit so that they reach the application.
	 */
	private static final Set<Integer> HTTP_CODEC_ANSWERS = Set.of(414, 431);

	private static final List<Target> TARGETS = List.of(
			new Target("POST", "/api/v1/publish-market-event",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":1.15,\"category\":\"C-3\",\"product_id\":null}", 202,
					List.of("\"event_id\":", "\"receivers\":1", "\"job\":\"/api/v1/jobs/")),
			new Target("POST", "/api/v1/publish-market-event",
					"{\"type\":\"BASE_PRICE\",\"product_id\":\"P-7\",\"base_price\":\"12.50\"}", 202,
					List.of("\"event_id\":", "\"receivers\":1", "\"job\":\"/api/v1/jobs/")),
			new Target("POST", "/api/v1/catalog",
					"[{\"product_id\":\"F-1\",\"category\":\"C-1\",\"base_price\":\"12.50\",\"floor_price\":\"10.00\",\"ceiling_price\":\"20.00\"}]",
					200, List.of("{\"imported\":1}")),
			new Target("POST", "/api/v1/price",
					"{\"product_id\":\"F-1\",\"user_location\":\"NY\",\"is_prime_member\":true}", 200,
					List.of("\"product_id\":\"F-1\"", "\"final_price\":")),
			new Target("PUT", "/api/v1/admin/faults", "{\"failure_rate\":0.0,\"latency_ms\":0,\"batch_latency_ms\":0}",
					200, List.of("\"failure_rate\":0.0", "\"latency_ms\":0", "\"batch_latency_ms\":0")),
			new Target("GET", "/api/v1/prices/{id}?location={q}&member={q}"), new Target("GET", "/api/v1/catalog/{id}"),
			new Target("GET", "/api/v1/jobs/{id}"), new Target("GET", "/api/v1/dead-letters?after={q}&limit={q}"),
			new Target("POST", "/api/v1/dead-letters/{id}/replay"));

	private static final String[] BAD_VALUES = { "null", "true", "\"\"", "\"x\"", "1e400", "-1e400", "-1", "0", "NaN",
			"\"NaN\"", "\"Infinity\"", "Infinity", "123456789012345678901234567890.123456789", "[]", "{}",
			"\"" + "a".repeat(100_000) + "\"", "\"\\u0000\"", "\"\\ud800\"", "0.000000000000000000001",
			"1.7976931348623157E309" };

	private static final String[] BAD_IDS = { "", "%00", "%2F", "..", "%2e%2e", "P%20-1", "P-1%0d%0aX:%20y", "%C3%28",
			"%FF", "P-" + "9".repeat(2000), "%F0%9F%98%80", "P-1;x", "P-1%3Bx", "%7Bid%7D", "%25", "-", "_" };

	@LocalServerPort
	private int port;

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private WebTestClient client;

	@Test
	void everyEndpointAnswersMalformedInputWithA4xxProblemNever5xxAndValidInputWithSuccess() throws Exception {
		HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		Random random = new Random(SEED);
		// the product the valid price requests ask for (the catalog target upserts it
		// too)
		new ApiTestClient(this.client).importProduct("F-1", "C-1", "12.50", "10.00", "20.00");
		List<String> failures = new ArrayList<>();
		int sent = 0;
		Map<Target, Integer> validSent = new LinkedHashMap<>();
		try (StatefulRedisPubSubConnection<String, String> listener = ((RedisClient) this.connectionFactory
			.getRequiredNativeClient()).connectPubSub(StringCodec.UTF8)) {
			listener.sync().subscribe(this.keys.eventsChannel());
			for (Target target : TARGETS) {
				for (int i = 0; i < REQUESTS_PER_TARGET; i++) {
					String path = target.path().replace("{id}", pick(random, BAD_IDS)).replace("{q}", badQuery(random));
					byte[] body = (target.body() != null) ? mutate(random, target.body()) : new byte[0];
					HttpResponse<String> response;
					try {
						response = send(http, target.method(), path, body);
					}
					catch (IOException ex) {
						failures.add("no answer (" + ex.getMessage() + ") " + target.method() + " " + abbreviate(path)
								+ " " + abbreviate(new String(body, StandardCharsets.UTF_8)));
						continue;
					}
					finally {
						sent++;
					}
					String contentType = response.headers().firstValue("Content-Type").orElse("");
					if (target.isValid(body)) {
						validSent.merge(target, 1, Integer::sum);
						if (response.statusCode() != target.status()
								|| !target.content().stream().allMatch(response.body()::contains)) {
							failures.add("valid body answered " + response.statusCode() + " (expected "
									+ target.status() + " with " + target.content() + ") " + target.method() + " "
									+ abbreviate(path) + " " + abbreviate(new String(body, StandardCharsets.UTF_8))
									+ " -> " + abbreviate(response.body()));
						}
					}
					if (response.statusCode() >= 500
							|| (response.statusCode() >= 400 && !HTTP_CODEC_ANSWERS.contains(response.statusCode())
									&& !contentType.startsWith("application/problem+json"))) {
						failures.add(response.statusCode() + " " + contentType + " " + target.method() + " "
								+ abbreviate(path) + " " + abbreviate(new String(body, StandardCharsets.UTF_8)) + " -> "
								+ abbreviate(response.body()));
					}
				}
			}
		}
		assertThat(sent).isEqualTo(TARGETS.size() * REQUESTS_PER_TARGET);
		assertThat(validSent).as("valid bodies sent, by target")
			.containsOnlyKeys(TARGETS.stream().filter((target) -> target.body() != null).toList());
		assertThat(failures)
			.as("answers that were 5xx, errors that were not problem details, valid bodies that did not succeed")
			.isEmpty();
	}

	private HttpResponse<String> send(HttpClient http, String method, String path, byte[] body) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.header(TestApiKey.HEADER, TestApiKey.KEY)
			.method(method,
					(body.length == 0) ? HttpRequest.BodyPublishers.noBody()
							: HttpRequest.BodyPublishers.ofByteArray(body))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** A valid body, corrupted one of several ways (or left valid now and then). */
	private static byte[] mutate(Random random, String valid) {
		String json = valid;
		switch (random.nextInt(9)) {
			case 0 -> json = json.substring(0, random.nextInt(json.length()));
			case 1 -> {
				int at = random.nextInt(json.length());
				json = json.substring(0, at) + pick(random, new String[] { "{", "}", "[", "]", "\"", ",", ":", "\\",
						"\u0000", "\u0007", "\u00e9", "\ud83d\ude00", "\ufffe" }) + json.substring(at);
			}
			case 2, 3 -> json = json.replaceFirst(":(\"[^\"]*\"|[^,}\\]]+)", ":" + pick(random, BAD_VALUES));
			case 4 -> json = "[".repeat(3000 + random.nextInt(3000)) + "]".repeat(10);
			case 5 -> json = "{\"a\":".repeat(2000) + "1" + "}".repeat(2000);
			case 6 -> {
				byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
				byte[] corrupted = new byte[bytes.length + 2];
				int at = random.nextInt(bytes.length);
				System.arraycopy(bytes, 0, corrupted, 0, at);
				corrupted[at] = (byte) 0xC3;
				corrupted[at + 1] = (byte) (0x28 + random.nextInt(2) * 0xD7);
				System.arraycopy(bytes, at, corrupted, at + 2, bytes.length - at);
				return corrupted;
			}
			case 7 ->
				json = json.replace("\"type\":\"", "\"type\":\"" + pick(random, new String[] { "X", "", "recalc" }));
			default -> {
				// valid: it must still work between the bad ones
			}
		}
		return json.getBytes(StandardCharsets.UTF_8);
	}

	private static String badQuery(Random random) {
		return switch (random.nextInt(5)) {
			case 0 -> pick(random, BAD_IDS);
			case 1 -> String.valueOf(random.nextLong());
			case 2 -> "x".repeat(random.nextInt(900));
			case 3 -> HexFormat.of().formatHex(new byte[] { (byte) random.nextInt(256) }).replaceAll("(..)", "%$1");
			default -> "true";
		};
	}

	private static String pick(Random random, String[] values) {
		return values[random.nextInt(values.length)];
	}

	private static String abbreviate(String text) {
		return (text.length() <= 160) ? text : text.substring(0, 160) + "…";
	}

	/**
	 * An endpoint, with the valid body its malformed ones are made from and the answer
	 * that body must get.
	 *
	 * @param method the HTTP method
	 * @param path the path, with placeholders for bad values
	 * @param body the valid body, or null for none
	 * @param status the status a valid body is answered with
	 * @param content what the answer to a valid body contains
	 */
	private record Target(String method, String path, String body, int status, List<String> content) {

		Target(String method, String path) {
			this(method, path, null, 0, List.of());
		}

		boolean isValid(byte[] sent) {
			return this.body != null && Arrays.equals(sent, this.body.getBytes(StandardCharsets.UTF_8));
		}

	}

}
