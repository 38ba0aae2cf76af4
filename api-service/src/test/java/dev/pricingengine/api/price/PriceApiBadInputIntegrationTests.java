package dev.pricingengine.api.price;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

@ApiIntegrationTest
class PriceApiBadInputIntegrationTests {

	@Autowired
	private WebTestClient client;

	@ParameterizedTest
	@ValueSource(strings = { "{\"product_id\":\"P-1\",", "not json", "{\"product_id\":{\"nested\":1}}",
			"{\"product_id\":\"P-1\",\"is_prime_member\":\"maybe\"}", "{\"user_location\":\"NY\"}",
			"{\"product_id\":\"P 1\"}", "{\"product_id\":\"P-1\",\"user_location\":\"../../etc\"}" })
	void rejectsBadPriceRequestsWith400Problems(String body) {
		this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400)
			.jsonPath("$.trace")
			.doesNotExist();
	}

	@Test
	void rejectsOversizedIdsWith400() {
		String longId = "P" + "1".repeat(64);
		this.client.get().uri("/api/v1/prices/" + longId).exchange().expectStatus().isBadRequest();
		this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"product_id\":\"" + longId + "\"}")
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void rejectsBodiesOverTheLimitWith413() {
		String padding = "x".repeat(1024 * 1024 + 1);
		this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"product_id\":\"P-1\",\"padding\":\"" + padding + "\"}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

}
