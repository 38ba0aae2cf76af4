package dev.pricingengine.api.price;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class PriceApiBadInputIntegrationTests {

	@Autowired
	private WebTestClient client;

	@ParameterizedTest
	@ValueSource(strings = { "{\"product_id\":\"P-1\",", "not json", "{\"product_id\":{\"nested\":1}}",
			"{\"product_id\":\"P-1\",\"is_prime_member\":\"maybe\"}", "{\"user_location\":\"NY\"}",
			"{\"product_id\":\"P 1\"}", "{\"product_id\":\"P-1\",\"user_location\":\"../../etc\"}" })
	void rejectsBadPriceRequestsWith400Problems(String body) {
		postPrice(body).expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400)
			.jsonPath("$.trace")
			.doesNotExist();
	}

	/**
	 * A JSON value of another type is refused, not coerced (a numeric product id was read
	 * as the string "1" and answered 404), and the problem names the field.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "{\"product_id\":1}|product_id", "{\"product_id\":true}|product_id",
					"{\"product_id\":\"P-1\",\"user_location\":7}|user_location",
					"{\"product_id\":\"P-1\",\"is_prime_member\":1}|is_prime_member",
					"{\"product_id\":\"P-1\",\"is_prime_member\":\"true\"}|is_prime_member" })
	void refusesAValueOfAnotherJsonTypeNamingTheField(String body, String field) {
		postPrice(body).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("'" + field + "'"));
	}

	@Test
	void namesWhereTruncatedJsonEnds() {
		postPrice("{\"product_id\":\"P-1\",").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("not valid JSON").contains("column"));
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

	private WebTestClient.ResponseSpec postPrice(String body) {
		return this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

}
