package dev.pricingengine.api.system;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.EventChannelSubscriber;
import dev.pricingengine.api.TestApiKey;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.test.OpenApiContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
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

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@Autowired
	private RedisKeys keys;

	private static final String CONTRACT_PRODUCT = "{\"product_id\":\"P-contract\",\"category\":\"C-c\",\"base_price\":\"10\",\"floor_price\":\"5\",\"ceiling_price\":\"20\"}";

	private JsonNode document;

	private OpenApiContract contract;

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
		this.contract = OpenApiContract.of(new String(json, StandardCharsets.UTF_8));
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
	 * Money in requests is a JSON number or a decimal string (what the API reads), and
	 * every property of a request body has an example, its own or its schema's.
	 */
	@Test
	void requestBodiesDeclareMoneyAsNumberOrDecimalStringAndHaveExamples() {
		JsonNode decimal = this.document.at("/components/schemas/Decimal");
		assertThat(decimal.path("type")).extracting(JsonNode::asString).containsExactlyInAnyOrder("string", "number");
		assertThat(decimal.path("example").asString()).isEqualTo("12.50");
		assertThat(Pattern.compile(decimal.path("pattern").asString()).matcher("12.50").matches()).isTrue();
		for (String money : List.of("ProductPayload/properties/base_price", "ProductPayload/properties/floor_price",
				"ProductPayload/properties/ceiling_price", "PublishEventRequest/properties/factor",
				"PublishEventRequest/properties/base_price")) {
			assertThat(this.document.at("/components/schemas/" + money).toString()).as(money)
				.contains("\"$ref\":\"#/components/schemas/Decimal\"");
		}
		List<String> bodies = new ArrayList<>();
		for (Operation operation : operations()) {
			operation.node()
				.path("requestBody")
				.path("content")
				.forEach((media) -> bodies.add(media.at("/schema/$ref")
					.asString(media.at("/schema/items/$ref").asString())
					.replace("#/components/schemas/", "")));
		}
		assertThat(bodies).contains("ProductPayload", "PublishEventRequest", "PriceRequest", "FaultRequest");
		for (String body : bodies) {
			this.document.at("/components/schemas/" + body + "/properties")
				.properties()
				.forEach((property) -> assertThat(property.getValue().toString())
					.as("%s.%s has an example", body, property.getKey())
					.containsAnyOf("\"example\"", "#/components/schemas/Decimal"));
		}
	}

	/**
	 * Each operation, asked without a key: 401 exactly where the document declares the
	 * key (nothing is changed: the operations that need no key only read).
	 */
	@Test
	void theOperationsThatNeedAKeyAreTheOnesThatDeclareIt() {
		for (Operation operation : operations()) {
			boolean declared = operation.node().has("security");
			// the status only: the live overview's stream never ends
			int status = request(operation.method(), concrete(operation.path()), "{}", false).returnResult(byte[].class)
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

	/**
	 * Ordinary requests, valid and invalid: each answer's status, media type and body are
	 * what its operation declares.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '`', value = { "GET|/api/v1/ping|", "GET|/api/v1/prices/P-none|",
			"GET|/api/v1/prices/P%20bad|", "GET|/api/v1/prices/P-contract|",
			"GET|/api/v1/prices/P-contract?member=true&location=NY|", "GET|/api/v1/prices/P-contract?location=%3F|",
			"POST|/api/v1/price|{\"product_id\":\"P-none\"}",
			"POST|/api/v1/price|`{\"product_id\":\"P-contract\",\"user_location\":\"NY\",\"is_prime_member\":true}`",
			"POST|/api/v1/price|{\"product_id\":1}", "POST|/api/v1/price|{", "GET|/api/v1/catalog/P-none|",
			"GET|/api/v1/catalog/P-contract|", "POST|/api/v1/catalog|`[" + CONTRACT_PRODUCT + "]`",
			"POST|/api/v1/catalog|`[{\"product_id\":true}]`",
			"POST|/api/v1/catalog|`[{\"product_id\":\"P-c\",\"category\":\"C\",\"base_price\":\"-1\"}]`",
			"POST|/api/v1/publish-market-event|{\"type\":\"PANIC\"}",
			"POST|/api/v1/publish-market-event|`{\"type\":\"DEMAND_FACTOR\",\"factor\":1.1}`",
			"POST|/api/v1/publish-market-event|`{\"type\":\"BASE_PRICE\",\"product_id\":\"P-contract\",\"base_price\":\"12.50\"}`",
			"GET|/api/v1/jobs/00000000-0000-0000-0000-000000000000|", "GET|/api/v1/dead-letters?limit=5|",
			"GET|/api/v1/dead-letters?limit=0|", "POST|/api/v1/dead-letters/1-0/replay|", "GET|/api/v1/admin/faults|",
			"PUT|/api/v1/admin/faults|{\"failure_rate\":2}", "PUT|/api/v1/admin/faults|{\"latency_ms\":5}",
			"PUT|/api/v1/admin/faults|{\"batch_latency_ms\":5}", "PUT|/api/v1/admin/faults|{}",
			"GET|/api/v1/jobs?limit=5|", "GET|/api/v1/jobs?state=PANIC|", "GET|/api/v1/console/overview|",
			"GET|/api/v1/console/settings|", "GET|/api/v1/prices/P-contract/explanation|",
			"GET|/api/v1/prices/P-none/explanation|" })
	void answersAsItsOperationDeclares(String method, String uri, String body) {
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("[" + CONTRACT_PRODUCT + "]")
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(violations(HttpMethod.valueOf(method), uri, (body != null) ? body : "")).isEmpty();
	}

	/**
	 * Events published with a receiver on the channel: accepted, 202. (Their jobs'
	 * answers are validated by the system tests, where listeners and workers write them.)
	 */
	@ParameterizedTest
	@ValueSource(strings = { "{\"type\":\"DEMAND_FACTOR\",\"factor\":\"1.10\",\"category\":\"C-c\"}",
			"{\"type\":\"BASE_PRICE\",\"product_id\":\"P-contract\",\"base_price\":12.5}", "" })
	void anAcceptedEventAnswersAsDeclared(String body) throws InterruptedException {
		try (EventChannelSubscriber subscriber = new EventChannelSubscriber(this.connectionFactory, this.keys)) {
			assertThat(violations(HttpMethod.POST, "/api/v1/publish-market-event", body)).isEmpty();
			assertThat(subscriber.received.poll(5, TimeUnit.SECONDS)).as("the event on the channel").isNotNull();
		}
	}

	private List<String> violations(HttpMethod method, String uri, String body) {
		EntityExchangeResult<byte[]> result = request(method, uri, body, true).expectBody().returnResult();
		MediaType answered = result.getResponseHeaders().getContentType();
		byte[] content = result.getResponseBodyContent();
		return this.contract.violations(method.name(), uri, result.getStatus().value(),
				(answered != null) ? answered.toString() : null,
				(content != null) ? new String(content, StandardCharsets.UTF_8) : "");
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
