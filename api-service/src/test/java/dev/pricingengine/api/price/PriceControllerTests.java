package dev.pricingengine.api.price;

import dev.pricingengine.api.security.ApiKeyProperties;
import dev.pricingengine.api.security.ApiKeys;
import dev.pricingengine.api.security.SecurityConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.mockito.Mockito.verifyNoInteractions;

/**
 * The HTTP edge alone: bad path, query and body values are answered with 400 problem
 * details before anything reaches the price service (and so Redis).
 */
// no Redis in this slice: nothing to announce the instance to
@WebFluxTest(controllers = PriceController.class, properties = "pricing.heartbeat.enabled=false",
		excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX, pattern = ".*\\.catalog\\..*"))
@Import({ SecurityConfiguration.class, ApiKeys.class })
@EnableConfigurationProperties(ApiKeyProperties.class)
class PriceControllerTests {

	@Autowired
	private WebTestClient client;

	@MockitoBean
	private PriceService prices;

	@ParameterizedTest
	@ValueSource(strings = { "/api/v1/prices/-P1", "/api/v1/prices/P%201", "/api/v1/prices/P-1?location=a%20b",
			"/api/v1/prices/P-1?location=123456789012345678901234567890123", "/api/v1/prices/P-1?member=maybe" })
	void rejectsBadPathAndQueryValuesBeforeTheService(String uri) {
		this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400);
		verifyNoInteractions(this.prices);
	}

	@ParameterizedTest
	@ValueSource(strings = { "{}", "{\"product_id\":\"P 1\"}", "{\"product_id\":\"P-1\",\"user_location\":\"x/y\"}",
			"[1,2]", "{\"product_id\":\"P-1\",\"is_prime_member\":{}}" })
	void rejectsBadPriceRequestsBeforeTheService(String body) {
		this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		verifyNoInteractions(this.prices);
	}

}
