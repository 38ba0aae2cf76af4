package dev.pricingengine.api;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.WebTestClientBuilderCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * The API key the integration tests configure, sent by their {@code WebTestClient} on
 * every request; security tests take it off to see what a caller without it gets.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestApiKey {

	public static final String KEY = "test-api-key-0123456789";

	public static final String HEADER = "X-API-Key";

	@Bean
	WebTestClientBuilderCustomizer sendTheTestApiKey() {
		return (builder) -> builder.defaultHeader(HEADER, KEY);
	}

}
