package dev.pricingengine.api.security;

import java.util.ArrayList;
import java.util.List;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.TestApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may do what: reads are public, writes and operators' reads need a configured key
 * (given as itself or as its SHA-256), publishing is rate limited per key.
 */
@ApiIntegrationTest(properties = { "pricing.catalog.demo-size=0",
		"pricing.security.api-keys=" + TestApiKey.KEY + ", " + "sha256:"
				+ ApiKeySecurityIntegrationTests.SECOND_KEY_SHA256,
		"pricing.security.publish-rate-per-second=3" })
@ExtendWith(OutputCaptureExtension.class)
class ApiKeySecurityIntegrationTests {

	static final String SECOND_KEY = "second-key-abcdef";

	static final String SECOND_KEY_SHA256 = "dc35e0033ee298fdc543910b85831b3b48a6a7a6b1ee612777845352527172f6";

	private static final String WRONG_KEY = "wrong-secret-4f1c9a";

	@Autowired
	private WebTestClient client;

	/**
	 * Every request that needs a key is refused with a 401 that says what the key is
	 * needed for: changing state or triggering work, or reading what only operators may
	 * read.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "POST|/api/v1/publish-market-event|to change state or trigger work",
					"POST|/api/v1/catalog|to change state or trigger work",
					"PUT|/api/v1/admin/faults|to change state or trigger work",
					"GET|/api/v1/admin/faults|to read operators' data (fault settings, dead letters, the job list)",
					"GET|/api/v1/dead-letters|to read operators' data (fault settings, dead letters, the job list)",
					"GET|/api/v1/jobs|to read operators' data (fault settings, dead letters, the job list)",
					"POST|/api/v1/dead-letters/1-0/replay|to change state or trigger work" })
	void writesAndOperatorsReadsNeedAKey(HttpMethod method, String path, String purpose) {
		for (String key : new String[] { null, WRONG_KEY, "" }) {
			EntityExchangeResult<byte[]> result = request(method, path, key).expectStatus()
				.isUnauthorized()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("urn:pricing:problem:unauthorized")
				.jsonPath("$.detail")
				.isEqualTo("A valid X-API-Key header is required " + purpose)
				.returnResult();
			assertThat(result.getResponseBodyContent()).isNotEmpty();
		}
	}

	@ParameterizedTest
	@CsvSource({ "GET, /api/v1/prices/P-none, 404", "GET, /api/v1/catalog/P-none, 404",
			"GET, /api/v1/jobs/00000000-0000-0000-0000-000000000000, 404", "GET, /api/v1/ping, 200",
			"GET, /actuator/health, 200", "GET, /actuator/prometheus, 200", "GET, /docs/openapi.json, 200" })
	void readsArePublic(HttpMethod method, String path, int status) {
		request(method, path, null).expectStatus().isEqualTo(status);
	}

	@Test
	void anUnknownKeyOnAPublicReadIsIgnored() {
		request(HttpMethod.GET, "/api/v1/ping", WRONG_KEY).expectStatus().isOk();
	}

	@Test
	void priceRequestsArePublic() {
		this.client.mutate()
			.defaultHeaders((headers) -> headers.remove(TestApiKey.HEADER))
			.build()
			.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"product_id\":\"P-none\"}")
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void aKeyConfiguredAsItsDigestIsAccepted() {
		request(HttpMethod.GET, "/api/v1/admin/faults", SECOND_KEY).expectStatus().isOk();
	}

	@Test
	void publishingIsLimitedPerKeyWithRetryAfter() {
		List<Integer> statuses = new ArrayList<>();
		List<String> retryAfter = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			request(HttpMethod.POST, "/api/v1/publish-market-event", SECOND_KEY, "{\"type\":\"RECALCULATE\"}")
				.expectBody()
				.consumeWith((result) -> {
					statuses.add(result.getStatus().value());
					if (result.getStatus() == HttpStatus.TOO_MANY_REQUESTS) {
						retryAfter.add(result.getResponseHeaders().getFirst("Retry-After"));
					}
				});
		}
		// 3 a second: 12 quick requests span at most two windows, so at most 6 get
		// through
		// (to the 503 of no listener, in this test) and the rest are refused.
		assertThat(statuses).filteredOn((status) -> status == 429).hasSizeGreaterThanOrEqualTo(6);
		assertThat(statuses).filteredOn((status) -> status != 429).allMatch((status) -> status == 503);
		assertThat(retryAfter).containsOnly("1");
	}

	@Test
	void keysNeverAppearInTheLog(CapturedOutput output) {
		request(HttpMethod.POST, "/api/v1/publish-market-event", WRONG_KEY).expectStatus().isUnauthorized();
		request(HttpMethod.GET, "/api/v1/admin/faults", SECOND_KEY).expectStatus().isOk();
		assertThat(output.getAll()).doesNotContain(WRONG_KEY).doesNotContain(SECOND_KEY).doesNotContain(TestApiKey.KEY);
	}

	private WebTestClient.ResponseSpec request(HttpMethod method, String path, String key) {
		return request(method, path, key, "{}");
	}

	private WebTestClient.ResponseSpec request(HttpMethod method, String path, String key, String body) {
		WebTestClient.RequestBodySpec request = this.client.mutate()
			.defaultHeaders((headers) -> headers.remove(TestApiKey.HEADER))
			.build()
			.method(method)
			.uri(path)
			.contentType(MediaType.APPLICATION_JSON);
		if (key != null) {
			request.header(TestApiKey.HEADER, key);
		}
		return (method == HttpMethod.GET) ? request.exchange() : request.bodyValue(body).exchange();
	}

}
