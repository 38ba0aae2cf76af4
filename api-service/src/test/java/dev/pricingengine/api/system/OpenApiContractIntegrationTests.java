package dev.pricingengine.api.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.TestApiKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document against the API that serves it: every operation is summarised,
 * tagged for users and declares its media types; the operations that declare the API-key
 * scheme are exactly those that answer 401 without a key; and the status and media type
 * of each answer to ordinary requests, valid and invalid, are ones its operation
 * declares.
 */
@ApiIntegrationTest
class OpenApiContractIntegrationTests {

	private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

	private static final String PROBLEM_JSON = "application/problem+json";

	@Autowired
	private WebTestClient client;

	private JsonNode document;

	@BeforeEach
	void readTheDocument() {
		byte[] json = this.client.get()
			.uri("/docs/openapi.json")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		this.document = JsonMapper.builder().build().readTree(json);
	}

	@Test
	void everyOperationIsSummarisedTaggedAndDeclaresItsMediaTypes() {
		List<String> tags = new ArrayList<>();
		this.document.get("tags").forEach((tag) -> tags.add(tag.get("name").asString()));
		assertThat(operations()).isNotEmpty().allSatisfy((operation) -> {
			JsonNode node = operation.node();
			assertThat(node.path("summary").asString()).as("%s summary", operation).isNotBlank();
			assertThat(node.path("tags")).as("%s tags", operation).hasSize(1);
			assertThat(tags).as("%s tag", operation).contains(node.get("tags").get(0).asString());
			node.get("responses").properties().forEach((response) -> {
				JsonNode content = response.getValue().path("content");
				content.propertyNames()
					.forEach((type) -> assertThat(type).as("%s %s media type", operation, response.getKey())
						.isNotEqualTo("*/*"));
				if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
					assertThat(content.path(PROBLEM_JSON).path("schema").path("$ref").asString())
						.as("%s %s", operation, response.getKey())
						.isEqualTo("#/components/schemas/Problem");
				}
			});
		});
		assertThat(this.document.at("/components/securitySchemes/api-key/name").asString()).isEqualTo("X-API-Key");
	}

	/**
	 * Each operation, asked without a key: 401 exactly where the document declares the
	 * key (nothing is changed: the operations that need no key only read).
	 */
	@Test
	void theOperationsThatNeedAKeyAreTheOnesThatDeclareIt() {
		for (Operation operation : operations()) {
			boolean declared = operation.node().has("security");
			int status = request(operation.method(), concrete(operation.path()), "{}", false).expectBody()
				.returnResult()
				.getStatus()
				.value();
			assertThat(status == 401)
				.as("%s answered %d; the document says a key is %s", operation, status,
						declared ? "needed" : "not needed")
				.isEqualTo(declared);
			if (declared) {
				assertThat(operation.node().get("responses").has("401")).as("%s declares its 401", operation).isTrue();
			}
		}
	}

	/** Ordinary requests, valid and invalid: each answer's status and media type. */
	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '`', value = { "GET|/api/v1/ping|/api/v1/ping|",
			"GET|/api/v1/prices/{productId}|/api/v1/prices/P-none|",
			"GET|/api/v1/prices/{productId}|/api/v1/prices/P%20bad|",
			"POST|/api/v1/price|/api/v1/price|{\"product_id\":\"P-none\"}",
			"POST|/api/v1/price|/api/v1/price|{\"product_id\":1}", "POST|/api/v1/price|/api/v1/price|{",
			"GET|/api/v1/catalog/{productId}|/api/v1/catalog/P-none|",
			"POST|/api/v1/catalog|/api/v1/catalog|`[{\"product_id\":\"P-contract\",\"category\":\"C-c\",\"base_price\":\"10\",\"floor_price\":\"5\",\"ceiling_price\":\"20\"}]`",
			"POST|/api/v1/catalog|/api/v1/catalog|`[{\"product_id\":true}]`",
			"POST|/api/v1/publish-market-event|/api/v1/publish-market-event|{\"type\":\"PANIC\"}",
			"POST|/api/v1/publish-market-event|/api/v1/publish-market-event|`{\"type\":\"DEMAND_FACTOR\",\"factor\":1.1}`",
			"GET|/api/v1/jobs/{jobId}|/api/v1/jobs/00000000-0000-0000-0000-000000000000|",
			"GET|/api/v1/dead-letters|/api/v1/dead-letters?limit=5|",
			"GET|/api/v1/dead-letters|/api/v1/dead-letters?limit=0|",
			"POST|/api/v1/dead-letters/{id}/replay|/api/v1/dead-letters/1-0/replay|",
			"GET|/api/v1/admin/faults|/api/v1/admin/faults|",
			"PUT|/api/v1/admin/faults|/api/v1/admin/faults|{\"failure_rate\":2}" })
	void answersWithAStatusAndMediaTypeItsOperationDeclares(String method, String path, String uri, String body) {
		JsonNode operation = this.document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
		assertThat(operation.isMissingNode()).as("%s %s in the document", method, path).isFalse();
		EntityExchangeResult<byte[]> result = request(HttpMethod.valueOf(method), uri, (body != null) ? body : "", true)
			.expectBody()
			.returnResult();
		String status = String.valueOf(result.getStatus().value());
		JsonNode response = operation.path("responses").path(status);
		assertThat(response.isMissingNode())
			.as("%s %s answered %s; declared: %s", method, uri, status, operation.path("responses").propertyNames())
			.isFalse();
		MediaType answered = result.getResponseHeaders().getContentType();
		if (answered != null) {
			assertThat(response.path("content").propertyNames())
				.as("%s %s answered %s %s", method, uri, status, answered)
				.anySatisfy((declared) -> assertThat(MediaType.parseMediaType(declared).isCompatibleWith(answered))
					.isTrue());
		}
	}

	private List<Operation> operations() {
		List<Operation> operations = new ArrayList<>();
		for (Map.Entry<String, JsonNode> path : this.document.get("paths").properties()) {
			for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
				if (METHODS.contains(operation.getKey())) {
					operations.add(new Operation(HttpMethod.valueOf(operation.getKey().toUpperCase(Locale.ROOT)),
							path.getKey(), operation.getValue()));
				}
			}
		}
		return operations;
	}

	/** A path of the document with sample values for its variables. */
	private static String concrete(String path) {
		return path.replace("{productId}", "P-contract-none")
			.replace("{jobId}", "00000000-0000-0000-0000-000000000000")
			.replace("{id}", "1-0");
	}

	private WebTestClient.ResponseSpec request(HttpMethod method, String uri, String body, boolean withKey) {
		WebTestClient client = withKey ? this.client
				: this.client.mutate().defaultHeaders((headers) -> headers.remove(TestApiKey.HEADER)).build();
		WebTestClient.RequestBodySpec request = client.method(method).uri(uri).contentType(MediaType.APPLICATION_JSON);
		return (method == HttpMethod.GET || body.isEmpty()) ? request.exchange() : request.bodyValue(body).exchange();
	}

	private record Operation(HttpMethod method, String path, JsonNode node) {

		@Override
		public String toString() {
			return this.method + " " + this.path;
		}

	}

}
