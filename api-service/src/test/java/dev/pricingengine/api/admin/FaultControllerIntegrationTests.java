package dev.pricingengine.api.admin;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class FaultControllerIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void setsTheFaultsEveryWorkerReadsAndShowsThem() {
		put("{\"failure_rate\":0.5,\"latency_ms\":2000,\"batch_latency_ms\":250}").expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.failure_rate")
			.isEqualTo(0.5)
			.jsonPath("$.latency_ms")
			.isEqualTo(2000)
			.jsonPath("$.batch_latency_ms")
			.isEqualTo(250);
		assertThat(FaultSettings.fromHash(this.redisConnection.connection().sync().hgetall(this.keys.faults())))
			.isEqualTo(new FaultSettings(0.5, 2000, 250));
		this.client.get().uri("/api/v1/admin/faults").exchange().expectBody().jsonPath("$.failure_rate").isEqualTo(0.5);
		put("{}").expectStatus().isOk();
		this.client.get()
			.uri("/api/v1/admin/faults")
			.exchange()
			.expectBody()
			.jsonPath("$.failure_rate")
			.isEqualTo(0.0)
			.jsonPath("$.batch_latency_ms")
			.isEqualTo(0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"failure_rate\":1.5}", "{\"failure_rate\":-0.1}", "{\"latency_ms\":-1}",
			"{\"latency_ms\":60001}", "{\"batch_latency_ms\":-1}", "{\"batch_latency_ms\":1001}",
			"{\"failure_rate\":\"lots\"}", "[" })
	void rejectsInvalidSettingsWith400(String body) {
		put(body).expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	private WebTestClient.ResponseSpec put(String body) {
		return this.client.put()
			.uri("/api/v1/admin/faults")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

}
