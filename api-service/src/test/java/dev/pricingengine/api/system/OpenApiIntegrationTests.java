package dev.pricingengine.api.system;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

@ApiIntegrationTest
class OpenApiIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Test
	void describesTheApiWithTheWireFormatsPropertyNames() {
		this.client.get()
			.uri("/docs/openapi.json")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.info.title")
			.isEqualTo("Dynamic Pricing Engine API")
			.jsonPath("$.paths['/api/v1/prices/{productId}']")
			.exists()
			.jsonPath("$.paths['/api/v1/publish-market-event']")
			.exists()
			.jsonPath("$.components.schemas.PriceResponse.properties.final_price")
			.exists()
			.jsonPath("$.components.schemas.PriceResponse.properties.finalPrice")
			.doesNotExist()
			.jsonPath("$.components.schemas.PriceRequest.properties.is_prime_member")
			.exists();
	}

	@Test
	void servesTheUiAtDocs() {
		this.client.get().uri("/docs").exchange().expectStatus().is3xxRedirection();
	}

}
