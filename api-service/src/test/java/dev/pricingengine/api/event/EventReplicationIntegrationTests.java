package dev.pricingengine.api.event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.pricingengine.api.TestApiKey;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publishing with {@code pricing.events.min-replicas=1} against a primary and a replica
 * of the test's own: an event is answered 202 once the replica has it (read from the
 * replica itself), and 503 when no replica acknowledges it in time (the test stops the
 * replica), until the replica is back.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pricing.catalog.demo-size=0", "pricing.events.min-replicas=1",
				"pricing.events.replica-timeout=1s", "pricing.security.api-keys=" + TestApiKey.KEY })
@AutoConfigureWebTestClient(timeout = "20s")
@Import(TestApiKey.class)
class EventReplicationIntegrationTests {

	private static final LocalRedisServer primary = LocalRedisServer.start();

	private static final String REPLICA_OF = "replicaof 127.0.0.1 " + primary.port();

	private static LocalRedisServer replica = LocalRedisServer.start(REPLICA_OF);

	@Autowired
	private WebTestClient client;

	@Autowired
	private RedisKeys keys;

	private RedisClient redisClient;

	private StatefulRedisConnection<String, String> replicaConnection;

	private StatefulRedisPubSubConnection<String, String> listener;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + primary.port());
	}

	@AfterAll
	static void stopRedis() {
		replica.close();
		primary.close();
	}

	@BeforeEach
	void connect() {
		this.redisClient = RedisClient.create();
		this.replicaConnection = this.redisClient.connect(RedisURI.create(replica.host(), replica.port()));
		awaitReplicaInSync();
		// a stand-in listener on the primary, so that events are received
		this.listener = this.redisClient.connectPubSub(RedisURI.create(primary.host(), primary.port()));
		this.listener.sync().subscribe(this.keys.eventsChannel());
	}

	@AfterEach
	void disconnect() {
		this.listener.close();
		this.replicaConnection.close();
		this.redisClient.shutdown();
	}

	@Test
	void answers202WhenTheReplicaHasTheEvent() {
		PublishResponse accepted = publish().expectStatus()
			.isAccepted()
			.expectBody(PublishResponse.class)
			.returnResult()
			.getResponseBody();
		assertThat(accepted).isNotNull();
		assertThat(this.replicaConnection.sync().hget(this.keys.unbridgedEnvelopes(), accepted.eventId()))
			.as("the accepted event on the replica")
			.contains(accepted.eventId());
	}

	/**
	 * Publishes in flight together share their {@code WAIT}s (Redis blocks a client for
	 * the length of one): with the replica away, each is refused as not replicated, none
	 * times out behind the others' waits (with a {@code WAIT} of its own each, half of
	 * eight failed as command timeouts).
	 */
	@Test
	void concurrentPublishesAreAllAnsweredWithOrWithoutTheReplica() throws Exception {
		assertThat(publishConcurrently(16)).as("answers with the replica").containsOnly("202");
		int port = replica.port();
		this.replicaConnection.close();
		replica.close();
		long sent = System.nanoTime();
		assertThat(publishConcurrently(8)).as("answers without a replica").containsOnly("503 Event not replicated");
		assertThat(Duration.ofNanos(System.nanoTime() - sent))
			.as("a few shared timeouts (1 s each), not one a publish after another")
			.isLessThan(Duration.ofSeconds(6));
		replica = LocalRedisServer.start(port, REPLICA_OF);
		this.replicaConnection = this.redisClient.connect(RedisURI.create(replica.host(), replica.port()));
		awaitReplicaInSync();
	}

	/** Each answer's status, and a problem's title after it. */
	private List<String> publishConcurrently(int publishes) throws Exception {
		ExecutorService publishers = Executors.newFixedThreadPool(publishes);
		try {
			List<Future<String>> answers = new ArrayList<>();
			for (int i = 0; i < publishes; i++) {
				answers.add(publishers.submit(() -> {
					EntityExchangeResult<ProblemDetail> answer = publish().expectBody(ProblemDetail.class)
						.returnResult();
					int status = answer.getStatus().value();
					return (status == 202) ? "202" : status + " " + answer.getResponseBody().getTitle();
				}));
			}
			List<String> answered = new ArrayList<>();
			for (Future<String> answer : answers) {
				answered.add(answer.get(20, TimeUnit.SECONDS));
			}
			return answered;
		}
		finally {
			publishers.shutdownNow();
		}
	}

	@Test
	void answers503WhileNoReplicaAcknowledgesTheEvent() {
		int port = replica.port();
		this.replicaConnection.close();
		replica.close();
		long sent = System.nanoTime();
		publish().expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Event not replicated")
			.jsonPath("$.replicas")
			.isEqualTo(0)
			.jsonPath("$.required_replicas")
			.isEqualTo(1);
		assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("waited for pricing.events.replica-timeout")
			.isGreaterThanOrEqualTo(Duration.ofMillis(900));

		replica = LocalRedisServer.start(port, REPLICA_OF);
		this.replicaConnection = this.redisClient.connect(RedisURI.create(replica.host(), replica.port()));
		awaitReplicaInSync();
		publish().expectStatus().isAccepted();
	}

	private WebTestClient.ResponseSpec publish() {
		return this.client.post()
			.uri("/api/v1/publish-market-event")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"type\":\"DEMAND_FACTOR\",\"factor\":1.1}")
			.exchange();
	}

	private void awaitReplicaInSync() {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.replicaConnection.sync().info("replication").contains("master_link_status:up"));
	}

}
