package dev.pricingengine.api.console;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.heartbeat.HeartbeatProperties;
import dev.pricingengine.common.heartbeat.InstanceHeartbeat;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;
import static org.awaitility.Awaitility.await;

/**
 * The console's reads against a real Redis: instances as their heartbeats announce them
 * (a worker's here written by a heartbeat of the test's, as a worker's would be), the
 * lock its heartbeat names, the live stream shared by its watchers, and the page itself.
 */
@ApiIntegrationTest
class ConsoleIntegrationTests {

	private static final ParameterizedTypeReference<ServerSentEvent<JsonNode>> EVENT = new ParameterizedTypeReference<>() {
	};

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@Test
	void showsTheInstancesThatAnnounceThemselvesAndWhoHoldsEachLock() {
		String lockKey = this.keys.partition(0).recalculationLock("console-test-lock");
		Map<String, Object> task = Map.of("consumer", "host-1-0", "job_id", "job-1", "partition", 0, "attempt", 2,
				"started_at", Instant.now().toString(), "fencing_token", 7, "locked_at", Instant.now().toString());
		InstanceHeartbeat worker = new InstanceHeartbeat(this.redisConnection, this.keys, "worker-service",
				List.of((status) -> status.putAll(
						Map.of("lock_name", "console-test-lock", "lock_client", "client-1", "tasks", List.of(task)))),
				new HeartbeatProperties(true, Duration.ofMillis(200), Duration.ofHours(1)));
		worker.start();
		try {
			// the lock as Redisson holds it: the holder's client id and thread → count
			this.redisConnection.connection().sync().hset(lockKey, "client-1:55", "1");
			this.redisConnection.connection().sync().pexpire(lockKey, 20_000);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				JsonNode overview = overview();
				assertThat(instance(overview, "worker-service").path("alive").asBoolean()).isTrue();
				assertThat(instance(overview, "worker-service").at("/tasks/0/job_id").asString()).isEqualTo("job-1");
				JsonNode lock = lock(overview, lockKey);
				assertThat(lock.path("holder").asString()).isEqualTo(worker.instance());
				assertThat(lock.path("fencing_token").asLong()).isEqualTo(7);
				assertThat(lock.path("job").asString()).isEqualTo("job-1");
				assertThat(lock.path("lease_ms").asLong()).isBetween(1L, 20_000L);
			});
			assertThat(instance(overview(), "api-service").path("alive").asBoolean()).as("this API replica").isTrue();
		}
		finally {
			worker.stop();
			this.redisConnection.connection().sync().del(lockKey);
		}
		await("a stopped instance removes itself").atMost(Duration.ofSeconds(10))
			.until(() -> instance(overview(), "worker-service").isMissingNode());
	}

	/**
	 * An instance killed without a goodbye stays listed as not seen; one not heard from
	 * for longer than the retention (1 h) is forgotten by the next heartbeat of any
	 * instance (here this API replica's).
	 */
	@Test
	void listsAKilledInstanceAsNotSeenAndForgetsItAfterTheRetention() {
		var redis = this.redisConnection.connection().sync();
		long now = RedisClock.millis(redis);
		String status = "{\"service\":\"listener-service\",\"instance\":\"%s\",\"started_at\":\"2026-12-01T00:00:00Z\"}";
		redis.zadd(this.keys.instances(), now - 10_000, "listener-service:killed-1");
		redis.hset(this.keys.instanceStatus(), "listener-service:killed-1", status.formatted("killed-1"));
		redis.zadd(this.keys.instances(), now - Duration.ofHours(2).toMillis(), "listener-service:killed-2");
		redis.hset(this.keys.instanceStatus(), "listener-service:killed-2", status.formatted("killed-2"));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(redis.zscore(this.keys.instances(), "listener-service:killed-2")).isNull();
			assertThat(redis.hexists(this.keys.instanceStatus(), "listener-service:killed-2")).isFalse();
		});
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			JsonNode killed = first(overview().path("instances"), "instance", "killed-1");
			assertThat(killed.isMissingNode()).isFalse();
			assertThat(killed.path("alive").asBoolean()).isFalse();
			assertThat(killed.path("last_seen_ms").asLong()).isGreaterThanOrEqualTo(10_000);
		});
		redis.zrem(this.keys.instances(), "listener-service:killed-1");
		redis.hdel(this.keys.instanceStatus(), "listener-service:killed-1");
	}

	/**
	 * Rates are each instance's counter growth over the time between its heartbeats,
	 * summed: steady when heartbeats come at another interval than the snapshots, so that
	 * a snapshot sees one or two heartbeats of an instance in turn.
	 */
	@Test
	void ratesAreSteadyWhateverHeartbeatsASnapshotSees() {
		List<InstanceHeartbeat> replicas = new ArrayList<>();
		for (String service : List.of("rate-test-a", "rate-test-b")) {
			AtomicLong accepted = new AtomicLong();
			replicas.add(new InstanceHeartbeat(this.redisConnection, this.keys, service,
					List.of((status) -> status.put("events_accepted", accepted.addAndGet(10))),
					new HeartbeatProperties(true, Duration.ofMillis(700), Duration.ofHours(1))));
		}
		replicas.forEach(InstanceHeartbeat::start);
		try {
			List<Double> rates = stream().skip(4)
				.take(4)
				.map((event) -> event.data().at("/events/accepted_per_second").asDouble())
				.collectList()
				.block(Duration.ofSeconds(20));
			// two replicas accepting 10 events every 0.7 s each: 28.6 a second
			assertThat(rates).hasSize(4).allSatisfy((rate) -> assertThat(rate).isBetween(24.0, 33.0));
		}
		finally {
			replicas.forEach(InstanceHeartbeat::stop);
		}
	}

	/**
	 * Two watchers at once get the same snapshots (one per interval), with rates after
	 * the first.
	 */
	@Test
	void streamsSnapshotsSharedByItsWatchersWithRates() {
		Mono<List<String>> first = snapshotTimes();
		Mono<List<String>> second = snapshotTimes();
		List<List<String>> both = Flux.merge(first, second).collectList().block(Duration.ofSeconds(30));
		assertThat(both).hasSize(2);
		assertThat(both.get(0)).hasSize(3).containsAnyElementsOf(both.get(1));
		JsonNode rated = stream().skip(1).blockFirst(Duration.ofSeconds(10)).data();
		assertThat(rated.at("/events/accepted_per_second").isNumber()).isTrue();
		assertThat(rated.path("prices_per_second").isNumber()).isTrue();
	}

	/**
	 * A snapshot that cannot be taken (here: the connection not open yet, as while the
	 * shared connection is replaced) is left out, and the feed goes on: its watchers get
	 * the next one.
	 */
	@Test
	void theFeedOutlivesASnapshotThatCannotBeTaken() throws Exception {
		SharedRedisConnection notYetOpen = new SharedRedisConnection(this.connectionFactory);
		OverviewFeed feed = new OverviewFeed(notYetOpen, this.keys,
				new ConsoleProperties(URI.create("http://localhost:16686"), Duration.ofMillis(200)),
				new HeartbeatProperties(true, Duration.ofSeconds(1), Duration.ofHours(1)));
		try {
			CompletableFuture<Overview> first = feed.feed().next().toFuture();
			await("no snapshot, and no end, while Redis cannot be read").during(Duration.ofMillis(600))
				.atMost(Duration.ofSeconds(2))
				.until(() -> !first.isDone());
			notYetOpen.start();
			assertThat(first.get(10, TimeUnit.SECONDS)).as("a snapshot once Redis answers").isNotNull();
		}
		finally {
			notYetOpen.stop();
		}
	}

	/**
	 * Stopping the API ends the watchers' never-ending streams first, so that its
	 * graceful shutdown does not wait for them until its timeout (30 s).
	 */
	@Test
	void stoppingEndsTheStreamsOfItsWatchers() {
		OverviewFeed feed = new OverviewFeed(this.redisConnection, this.keys,
				new ConsoleProperties(URI.create("http://localhost:16686"), Duration.ofMillis(200)),
				new HeartbeatProperties(true, Duration.ofSeconds(1), Duration.ofHours(1)));
		feed.start();
		CompletableFuture<List<Overview>> watched = feed.feed().collectList().toFuture();
		feed.feed().blockFirst(Duration.ofSeconds(10));
		feed.stop();
		assertThat(watched).succeedsWithin(Duration.ofSeconds(2)).asInstanceOf(LIST).isNotEmpty();
		assertThat(feed.feed().collectList().block(Duration.ofSeconds(2))).as("a watcher after the stop").isEmpty();
		feed.start();
		assertThat(feed.feed().blockFirst(Duration.ofSeconds(10))).as("a watcher after a new start").isNotNull();
		feed.stop();
	}

	@Test
	void servesThePageWithItsOwnAssetsOnly() {
		String page = this.client.get()
			.uri("/console")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectHeader()
			.value("Content-Security-Policy", (policy) -> assertThat(policy).contains("default-src 'self'"))
			.expectHeader()
			.cacheControl(CacheControl.noCache())
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		this.client.get().uri("/console/").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo(page);
		assertThat(page).contains("src=\"/console/console.js\"")
			.contains("href=\"/console/console.css\"")
			.doesNotContain("src=\"http")
			.doesNotContain("href=\"http");
		this.client.get().uri("/console/console.js").exchange().expectStatus().isOk();
		this.client.get()
			.uri("/api/v1/console/settings")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.jaeger_url")
			.isEqualTo("http://localhost:16686");
	}

	private Flux<ServerSentEvent<JsonNode>> stream() {
		return this.client.get()
			.uri("/api/v1/console/overview/stream")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(EVENT)
			.getResponseBody();
	}

	private Mono<List<String>> snapshotTimes() {
		return stream().take(3).map((event) -> event.data().path("at").asString()).collectList();
	}

	private JsonNode overview() {
		return this.client.get()
			.uri("/api/v1/console/overview")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	private static JsonNode instance(JsonNode overview, String service) {
		return first(overview.path("instances"), "service", service);
	}

	private static JsonNode lock(JsonNode overview, String key) {
		return first(overview.path("locks"), "key", key);
	}

	/** The first element of an array whose field has a value, or a missing node. */
	private static JsonNode first(JsonNode array, String field, String value) {
		for (JsonNode element : array) {
			if (element.path(field).asString().equals(value)) {
				return element;
			}
		}
		return array.path(array.size());
	}

}
