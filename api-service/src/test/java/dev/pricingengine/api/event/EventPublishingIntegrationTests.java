package dev.pricingengine.api.event;

import java.util.concurrent.TimeUnit;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.EventChannelSubscriber;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEventType;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class EventPublishingIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private MeterRegistry meters;

	@Test
	void refusesAnEventNoListenerReceivesWith503AndKeepsNothing() {
		double refused = published("demand_factor", "no_listener");
		long unbridged = redis().zcard(this.keys.unbridgedEvents());
		this.client.post()
			.uri("/api/v1/publish-market-event")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"type\":\"DEMAND_FACTOR\",\"factor\":1.15}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("No event listener");
		assertThat(published("demand_factor", "no_listener") - refused).isEqualTo(1);
		assertThat(redis().zcard(this.keys.unbridgedEvents())).isEqualTo(unbridged);
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

	private double published(String type, String outcome) {
		Counter counter = this.meters.find("pricing.api.events").tags("type", type, "outcome", outcome).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void publishesANumberedEnvelopeAndAnswers202WithTheJobLink() throws Exception {
		try (EventChannelSubscriber subscriber = new EventChannelSubscriber(this.connectionFactory, this.keys)) {
			EventEnvelope first = publish("{\"type\":\"DEMAND_FACTOR\",\"factor\":\"1.15\",\"category\":\"C-3\"}",
					subscriber);
			assertThat(first.event().type()).isEqualTo(MarketEventType.DEMAND_FACTOR);
			assertThat(first.event().factor()).isEqualByComparingTo("1.15");
			assertThat(first.event().category()).isEqualTo("C-3");
			EventEnvelope second = publish("{\"type\":\"BASE_PRICE\",\"product_id\":\"P-7\",\"base_price\":\"12.50\"}",
					subscriber);
			assertThat(second.sequence()).isGreaterThan(first.sequence());
			assertThat(second.event().basePrice()).isEqualByComparingTo("12.50");
			assertThat(published("base_price", "accepted")).isPositive();
		}
	}

	@Test
	void anEmptyBodyMeansRecalculate() throws Exception {
		try (EventChannelSubscriber subscriber = new EventChannelSubscriber(this.connectionFactory, this.keys)) {
			assertThat(publish("", subscriber).event().type()).isEqualTo(MarketEventType.RECALCULATE);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"type\":\"DEMAND_FACTOR\"}", "{\"type\":\"DEMAND_FACTOR\",\"factor\":0}",
			"{\"type\":\"DEMAND_FACTOR\",\"factor\":1000}", "{\"type\":\"DEMAND_FACTOR\",\"factor\":\"NaN\"}",
			"{\"type\":\"DEMAND_FACTOR\",\"factor\":1.1,\"category\":\"C-1\",\"product_id\":\"P-1\"}",
			"{\"type\":\"BASE_PRICE\",\"base_price\":\"1.00\"}", "{\"type\":\"PANIC\"}", "{\"factor\":1.1}",
			"{\"type\":\"RECALCULATE\",\"factor\":2}", "[1]", "{\"type\":" })
	void rejectsInvalidEventsWith400AndPublishesNothing(String body) throws Exception {
		try (EventChannelSubscriber subscriber = new EventChannelSubscriber(this.connectionFactory, this.keys)) {
			publishRequest(body).expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(subscriber.received.poll(200, TimeUnit.MILLISECONDS)).isNull();
		}
	}

	/**
	 * What is wrong is named: an event type that does not exist (with the ones that do),
	 * a factor of another JSON type.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "{\"type\":\"PANIC\"}|'type'", "{\"type\":\"PANIC\"}|DEMAND_FACTOR",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":{}}|'factor'",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":1.1,\"category\":5}|'category'" })
	void namesWhatIsWrongWithAnEvent(String body, String named) {
		publishRequest(body).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains(named));
	}

	@Test
	void unknownJobIsA404Problem() {
		this.client.get()
			.uri("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	private EventEnvelope publish(String body, EventChannelSubscriber subscriber) throws InterruptedException {
		WebTestClient.RequestBodySpec request = this.client.post()
			.uri("/api/v1/publish-market-event")
			.contentType(MediaType.APPLICATION_JSON);
		WebTestClient.ResponseSpec response = body.isEmpty() ? request.exchange() : request.bodyValue(body).exchange();
		PublishResponse accepted = response.expectStatus()
			.isAccepted()
			.expectBody(PublishResponse.class)
			.returnResult()
			.getResponseBody();
		assertThat(accepted).isNotNull();
		assertThat(accepted.receivers()).isEqualTo(1);
		assertThat(accepted.channel()).isEqualTo(
				this.connectionFactory.isClusterAware() ? this.keys.shardedEventsChannel() : this.keys.eventsChannel());
		assertThat(accepted.job()).isEqualTo("/api/v1/jobs/" + accepted.eventId());
		String message = subscriber.received.poll(5, TimeUnit.SECONDS);
		assertThat(message).as("message on the channel").isNotNull();
		EventEnvelope envelope = EnvelopeCodec.decode(message);
		assertThat(envelope.eventId()).isEqualTo(accepted.eventId());
		assertThat(envelope.sequence()).isEqualTo(accepted.sequence());
		// kept until a listener bridges it (no listener runs here)
		assertThat(redis().zscore(this.keys.unbridgedEvents(), envelope.eventId())).isNotNull();
		assertThat(redis().hget(this.keys.unbridgedEnvelopes(), envelope.eventId())).isEqualTo(message);
		return envelope;
	}

	private WebTestClient.ResponseSpec publishRequest(String body) {
		return this.client.post()
			.uri("/api/v1/publish-market-event")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

}
