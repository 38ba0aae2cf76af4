package dev.pricingengine.api;

import java.time.Duration;

import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.LocalRedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API against a Redis of its own that the test stops and starts again: readiness
 * follows Redis, reads fail fast with a retryable 503 while it is away, and the in-memory
 * tier comes back (tracking switched on again) once it returns.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pricing.catalog.demo-size=0", "spring.data.redis.timeout=500ms",
				"pricing.security.api-keys=" + TestApiKey.KEY })
@AutoConfigureWebTestClient
@Import(TestApiKey.class)
class RedisOutageIntegrationTests {

	private static LocalRedisServer redis = LocalRedisServer.start();

	private static final int PORT = redis.port();

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + PORT);
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void followsRedisThroughAnOutage() {
		ApiTestClient api = new ApiTestClient(this.client);
		api.importProduct("P-outage", "C-1", "10.00", "5.00", "20.00");
		api.price("P-outage").jsonPath("$.source").isEqualTo("live");
		readiness(HttpStatus.OK, "UP");

		redis.close();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> readiness(HttpStatus.SERVICE_UNAVAILABLE, "DOWN"));
		this.client.get()
			.uri("/api/v1/prices/P-outage")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

		redis = LocalRedisServer.start(PORT);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> readiness(HttpStatus.OK, "UP"));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> api.importProduct("P-outage", "C-1", "11.00", "5.00", "20.00"));
		api.price("P-outage").jsonPath("$.source").isEqualTo("live").jsonPath("$.market_price").isEqualTo(11.0);
		RedisCommandCounter counter = new RedisCommandCounter(this.redisConnection.connection());
		// each connection comes back on its own reconnect schedule, and the price cache's
		// switches tracking on again once it is back: until then reads go to Redis
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			api.price("P-outage").jsonPath("$.source").isEqualTo("cache");
			long before = counter.processed();
			api.price("P-outage").jsonPath("$.source").isEqualTo("cache");
			assertThat(counter.processed() - before).as("hot read served from memory again").isZero();
		});
	}

	private void readiness(HttpStatus status, String state) {
		this.client.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isEqualTo(status)
			.expectBody()
			.jsonPath("$.components.redis.status")
			.isEqualTo(state);
	}

}
