package dev.pricingengine.api.catalog;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.TestApiKey;
import dev.pricingengine.common.catalog.Product;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

@ApiIntegrationTest(properties = { "pricing.catalog.demo-size=50", "pricing.security.api-keys=" + TestApiKey.KEY })
class DemoCatalogSeedingIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Test
	void seedsTheDemoCatalogIntoAnEmptyCatalog() {
		for (int index : new int[] { 1, 17, 50 }) {
			Product expected = DemoCatalog.product(index);
			this.client.get()
				.uri("/api/v1/catalog/P-" + index)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.category")
				.isEqualTo(expected.category())
				.jsonPath("$.base_price")
				.isEqualTo(expected.basePrice().doubleValue());
		}
		this.client.get().uri("/api/v1/catalog/P-51").exchange().expectStatus().isNotFound();
		this.client.get()
			.uri("/api/v1/prices/P-17")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.market_price")
			.isEqualTo(DemoCatalog.product(17).basePrice().doubleValue());
	}

}
