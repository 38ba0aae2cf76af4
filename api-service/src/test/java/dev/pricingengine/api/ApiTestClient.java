package dev.pricingengine.api;

import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Requests the tests send often.
 */
public final class ApiTestClient {

	private final WebTestClient client;

	public ApiTestClient(WebTestClient client) {
		this.client = client;
	}

	public void importProduct(String id, String category, String base, String floor, String ceiling) {
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("product_id", id, "category", category, "base_price", base, "floor_price", floor,
					"ceiling_price", ceiling))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.imported")
			.isEqualTo(1);
	}

	public WebTestClient.BodyContentSpec price(String productId) {
		return this.client.get().uri("/api/v1/prices/{id}", productId).exchange().expectStatus().isOk().expectBody();
	}

}
