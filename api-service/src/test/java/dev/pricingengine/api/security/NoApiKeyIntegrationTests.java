package dev.pricingengine.api.security;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Secure by default: with no key configured, every write is refused, whatever key is
 * sent, and reads still work.
 */
@ApiIntegrationTest(properties = { "pricing.catalog.demo-size=0", "pricing.security.api-keys=" })
class NoApiKeyIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Test
	void refusesEveryWriteAndSaysWhy() {
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("[]")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("Writes are disabled: no API key is configured (pricing.security.api-keys)");
	}

	@Test
	void readsStillWork() {
		this.client.get().uri("/api/v1/ping").exchange().expectStatus().isOk();
	}

}
