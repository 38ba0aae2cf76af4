package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.ApiTestClient;
import dev.pricingengine.api.RedisCommandCounter;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.redis.RedisKeys;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One HTTP/1.1 keep-alive connection whose requests alternate between answers from memory
 * (completed on the server's event loop) and answers from Redis (completed on the Redis
 * client's thread), with the next request sent the moment an answer arrives. Reactor
 * Netty 1.3.6 stopped reading such a connection now and then
 * (reactor/reactor-netty#4361); every request here must be answered within the timeout,
 * and the Redis server's command statistics must show that answers from memory and from
 * Redis did take turns (without the memory tier there would be nothing to alternate).
 */
@ApiIntegrationTest
class KeepAliveIntegrationTests {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

	@LocalServerPort
	private int port;

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void keepAliveConnectionNeverStallsWhenMemoryAndRedisAnswersAlternate() throws Exception {
		ApiTestClient api = new ApiTestClient(this.client);
		int products = 20;
		int rounds = 10;
		for (int i = 0; i < products; i++) {
			api.importProduct("P-keep-" + i, "C-keep", "10.00", "5.00", "20.00");
		}
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		RedisCommandCounter commands = new RedisCommandCounter(this.redisConnection.connection());
		long getsBefore = commands.calls("get");
		int answered = 0;
		for (int round = 0; round < rounds; round++) {
			for (int i = 0; i < products; i++) {
				URI uri = URI.create("http://127.0.0.1:" + this.port + "/api/v1/prices/P-keep-" + i);
				String hot = get(http, uri);
				String price = round + "." + String.format("%02d", i);
				MarketPrice rewritten = new MarketPrice(new BigDecimal("1" + price), BigDecimal.TEN, Instant.now(), 1);
				this.redisConnection.connection()
					.sync()
					.set(this.keys.price("P-keep-" + i), MarketPriceCodec.encode(rewritten));
				assertThat(hot).contains("\"product_id\":\"P-keep-" + i + "\"");
				answered++;
				long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
				String served;
				do {
					served = get(http, uri);
					answered++;
				}
				while (!served.contains("\"market_price\":1" + price) && System.nanoTime() < deadline);
				assertThat(served).contains("\"market_price\":1" + price);
			}
		}
		// Every read from Redis starts with one GET of the price (the test only SETs);
		// the
		// other answers came from memory. From the second round on, each product's first
		// read is answered from memory (it was read in the round before) and the read
		// that
		// sees its rewrite from Redis: so many times at least, the tiers took turns.
		long fromRedis = commands.calls("get") - getsBefore;
		assertThat(fromRedis).as("answers from Redis").isGreaterThanOrEqualTo(rounds * products);
		assertThat(answered - fromRedis).as("answers from memory, of %d", answered)
			.isGreaterThanOrEqualTo((rounds - 1) * products);
	}

	private static String get(HttpClient http, URI uri) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

}
