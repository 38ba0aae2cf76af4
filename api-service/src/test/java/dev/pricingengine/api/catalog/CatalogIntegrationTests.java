package dev.pricingengine.api.catalog;

import dev.pricingengine.common.redis.ClusterAwareConnection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest
class CatalogIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void importsAJsonArrayAndReadsProductsBack() {
		importJson("""
				[{"product_id":"P-a1","category":"C-a","base_price":"10.5","floor_price":8,"ceiling_price":"15.00"},
				 {"product_id":"P-a2","category":"C-a","base_price":20,"floor_price":"15.00","ceiling_price":30}]
				""").expectStatus().isOk().expectBody().jsonPath("$.imported").isEqualTo(2);
		this.client.get()
			.uri("/api/v1/catalog/P-a1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.product_id")
			.isEqualTo("P-a1")
			.jsonPath("$.category")
			.isEqualTo("C-a")
			.jsonPath("$.base_price")
			.isEqualTo(10.5)
			.jsonPath("$.floor_price")
			.isEqualTo(8.0)
			.jsonPath("$.ceiling_price")
			.isEqualTo(15.0);
		// the category's hash holds each product's pricing inputs in the form the worker
		// decodes
		assertThat(categoryEntries("C-a")).containsOnlyKeys("P-a1", "P-a2").containsEntry("P-a1", "10.50|8.00|15.00");
		assertThat(ProductCodec.fromInputs("P-a1", "C-a", categoryEntries("C-a").get("P-a1")))
			.isEqualTo(new Product("P-a1", "C-a", new BigDecimal("10.5"), new BigDecimal("8"), new BigDecimal("15")));
	}

	@Test
	void importsNdjson() {
		String ndjson = """
				{"product_id":"P-n1","category":"C-n","base_price":"1.00","floor_price":"1.00","ceiling_price":"2.00"}
				{"product_id":"P-n2","category":"C-n","base_price":"2.00","floor_price":"1.00","ceiling_price":"3.00"}
				{"product_id":"P-n3","category":"C-n","base_price":"3.00","floor_price":"1.00","ceiling_price":"4.00"}
				""";
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_NDJSON)
			.bodyValue(ndjson)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.imported")
			.isEqualTo(3);
		assertThat(categoryEntries("C-n")).hasSize(3);
	}

	@Test
	void importsMoreProductsThanOneStagingBatchAndKeepsNoStagingData() {
		StringBuilder ndjson = new StringBuilder();
		for (int i = 0; i < 2500; i++) {
			ndjson.append("{\"product_id\":\"P-bulk-")
				.append(i)
				.append("\",\"category\":\"C-bulk\",\"base_price\":\"9.99\",\"floor_price\":\"5\",\"ceiling_price\":\"20\"}\n");
		}
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_NDJSON)
			.bodyValue(ndjson.toString())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.imported")
			.isEqualTo(2500);
		assertThat(categoryEntries("C-bulk")).hasSize(2500);
		assertThat(redis().sync().keys(this.keys.catalogImport("*"))).isEmpty();
	}

	@Test
	void movingAProductUpdatesBothCategoryIndexes() {
		importJson("""
				{"product_id":"P-move","category":"C-from","base_price":"10","floor_price":"5","ceiling_price":"20"}
				""").expectStatus().isOk();
		importJson("""
				{"product_id":"P-move","category":"C-to","base_price":"10","floor_price":"5","ceiling_price":"20"}
				""").expectStatus().isOk();
		assertThat(categoryEntries("C-from")).doesNotContainKey("P-move");
		assertThat(categoryEntries("C-to")).containsEntry("P-move", "10.00|5.00|20.00");
		// a recalculation that listed a category before an import changed it checks its
		// prices
		assertThat(redis().sync().hgetall(this.keys.partitionFor("P-move").catalogRevisions()))
			.as("revisions of the categories whose entries each import changed")
			.containsEntry("C-from", "2")
			.containsEntry("C-to", "1");
	}

	@Test
	void aProductListedTwiceInOneImportEndsInItsLastCategoryOnly() {
		importJson(entry("P-twice", Map.of("category", "\"C-old\""))).expectStatus().isOk();
		importJson("[" + entry("P-twice", Map.of("category", "\"C-first\"")) + ","
				+ entry("P-twice", Map.of("category", "\"C-last\"")) + "]")
			.expectStatus()
			.isOk();
		assertThat(redis().sync().hget(this.keys.product("P-twice"), "category")).isEqualTo("C-last");
		assertThat(categoryEntries("C-last")).containsKey("P-twice");
		assertThat(categoryEntries("C-first")).doesNotContainKey("P-twice");
		assertThat(categoryEntries("C-old")).doesNotContainKey("P-twice");
	}

	/**
	 * Imports racing to move one product, each to a category of its own: each reads the
	 * product's category before its script runs, and the script refuses (then the import
	 * reads again) when another moved it in between, so the product ends in exactly one
	 * category's entries, the one its hash names. (A move that went by a stale read would
	 * leave an entry behind in a category no later import touches.)
	 */
	@Test
	void concurrentImportsMovingAProductLeaveItInExactlyOneCategory() throws Exception {
		List<String> categories = IntStream.range(0, 64).mapToObj((i) -> "C-race-" + i).toList();
		ExecutorService importers = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> imports = new ArrayList<>();
			for (String category : categories) {
				imports.add(importers
					.submit(() -> importJson(entry("P-race", Map.of("category", "\"" + category + "\""))).expectStatus()
						.isOk()));
			}
			for (Future<?> done : imports) {
				done.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			importers.shutdownNow();
		}
		String category = redis().sync().hget(this.keys.product("P-race"), "category");
		assertThat(categories.stream().filter((candidate) -> categoryEntries(candidate).containsKey("P-race")))
			.as("categories whose entries hold the product")
			.containsExactly(category);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '=', quoteCharacter = '`',
			value = { "base_price=\"-1\"", "base_price=\"NaN\"", "base_price=\"1e400\"", "base_price=\"10.001\"",
					"base_price=true", "floor_price=\"99\"", "product_id=\"P with space\"", "category=null",
					"ceiling_price={}" })
	void rejectsAnInvalidEntryAndImportsNothing(String field, String json) {
		String good = entry("P-ok-1", Map.of());
		String bad = entry("P-bad", Map.of(field, json));
		importJson("[" + good + "," + bad + "]").expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400);
		this.client.get().uri("/api/v1/catalog/P-ok-1").exchange().expectStatus().isNotFound();
		assertThat(redis().sync().keys(this.keys.catalogImport("*"))).isEmpty();
	}

	@Test
	void namesTheInvalidEntry() {
		importJson("""
				[{"product_id":"P-i1","category":"C-i","base_price":"10","floor_price":"5","ceiling_price":"20"},
				 {"product_id":"P-i2","category":"C-i","base_price":"10","floor_price":"25","ceiling_price":"20"}]
				""").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.index")
			.isEqualTo(1)
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("floor_price must not exceed ceiling_price"));
	}

	@Test
	void rejectsMalformedJsonWith400() {
		importJson("[{\"product_id\":\"P-m1\",").expectStatus().isBadRequest();
	}

	/**
	 * An entry holding a value of another type is named by its index, counted from 0, and
	 * the problem names the field.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '`', value = {
			"{\"product_id\":12,\"category\":\"C-t\",\"base_price\":\"10\",\"floor_price\":\"5\",\"ceiling_price\":\"20\"}|'product_id'",
			"{\"product_id\":\"P-t\",\"category\":\"C-t\",\"base_price\":[1],\"floor_price\":\"5\",\"ceiling_price\":\"20\"}|'base_price'" })
	void namesAnEntryTheDecoderCannotRead(String entry, String named) {
		String good = entry("P-ok-2", Map.of());
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_NDJSON)
			.bodyValue(good + "\n" + good.replace("P-ok-2", "P-ok-3") + "\n" + entry + "\n")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.index")
			.isEqualTo(2)
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("Catalog entry 2").contains(named));
		this.client.get().uri("/api/v1/catalog/P-ok-2").exchange().expectStatus().isNotFound();
	}

	@Test
	void saysWhereJsonCutShortEnds() {
		String good = entry("P-ok-4", Map.of());
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_NDJSON)
			.bodyValue(good + "\n" + good + "\n{\"product_id\":\"P-t\",\"category\":")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("not valid JSON").contains("line 3"));
		this.client.get().uri("/api/v1/catalog/P-ok-4").exchange().expectStatus().isNotFound();
	}

	@Test
	void rejectsImportsOverTheImportLimitWith413() {
		String entry = "{\"product_id\":\"P-big\",\"category\":\"C-big\",\"base_price\":\"10\",\"floor_price\":\"5\",\"ceiling_price\":\"20\"}\n";
		this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_NDJSON)
			.bodyValue(entry.repeat(6000))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		this.client.get().uri("/api/v1/catalog/P-big").exchange().expectStatus().isNotFound();
	}

	@Test
	void unknownProductIsA404Problem() {
		this.client.get()
			.uri("/api/v1/catalog/P-nope")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	private static String entry(String id, Map<String, String> overrides) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("product_id", "\"" + id + "\"");
		fields.put("category", "\"C-ok\"");
		fields.put("base_price", "\"10\"");
		fields.put("floor_price", "\"5\"");
		fields.put("ceiling_price", "\"20\"");
		fields.putAll(overrides);
		StringJoiner json = new StringJoiner(",", "{", "}");
		fields.forEach((name, value) -> json.add("\"" + name + "\":" + value));
		return json.toString();
	}

	private WebTestClient.ResponseSpec importJson(String json) {
		return this.client.post()
			.uri("/api/v1/catalog")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json)
			.exchange();
	}

	/** The entries of a category's hashes, over every partition. */
	private Map<String, String> categoryEntries(String category) {
		Map<String, String> entries = new HashMap<>();
		for (int partition = 0; partition < this.keys.partitions(); partition++) {
			entries.putAll(redis().sync().hgetall(this.keys.partition(partition).category(category)));
		}
		return entries;
	}

	private ClusterAwareConnection redis() {
		return this.redisConnection.connection();
	}

}
