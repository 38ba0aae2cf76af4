package dev.pricingengine.api.system;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class MetricsIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Test
	void timesRequestsButNotEachSecurityFilterChainPhase() {
		this.client.get().uri("/api/v1/ping").exchange().expectStatus().isOk();
		String metrics = this.client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(metrics).containsPattern("(?m)^http_server_requests_seconds_count\\{.*uri=\"/api/v1/ping\".*\\} ")
			.doesNotContain("spring_security_");
	}

}
