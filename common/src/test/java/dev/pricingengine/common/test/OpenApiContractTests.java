package dev.pricingengine.common.test;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

/**
 * The contract check itself: what it lets through and what it catches, on a small
 * document with a path variable, a referenced schema and a problem answer.
 */
class OpenApiContractTests {

	private static final String DOCUMENT = """
			{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
			 "paths": {
			  "/items/{id}": {"get": {"responses": {
			    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
			    "404": {"content": {"application/problem+json": {"schema": {"type": "object",
			      "required": ["status"], "properties": {"status": {"type": "integer"}}}}}}}}},
			  "/items/special": {"get": {"responses": {"204": {"description": "nothing"}}}}},
			 "components": {"schemas": {"Item": {"type": "object", "required": ["id", "price"],
			  "properties": {"id": {"type": "string"}, "price": {"type": "number"},
			   "state": {"type": "string", "enum": ["NEW", "OLD"]}}}}}}
			""";

	private final OpenApiContract contract = OpenApiContract.of(DOCUMENT);

	@Test
	void letsThroughAnAnswerItsOperationDeclares() {
		assertThat(this.contract.violations("GET", "/items/7?full=true", 200, "application/json;charset=UTF-8",
				"{\"id\":\"7\",\"price\":12.5,\"state\":\"NEW\"}"))
			.isEmpty();
		assertThat(this.contract.violations("GET", "/items/7", 404, "application/problem+json", "{\"status\":404}"))
			.isEmpty();
		assertThat(this.contract.violations("GET", "/items/special", 204, null, "")).isEmpty();
	}

	@Test
	void catchesABodyItsSchemaDoesNotAllow() {
		assertThat(this.contract.violations("GET", "/items/7", 200, "application/json",
				"{\"id\":\"7\",\"price\":\"12.5\"}"))
			.singleElement(as(STRING))
			.contains("GET /items/7 → 200")
			.contains("/price string found, number expected");
		assertThat(this.contract.violations("GET", "/items/7", 200, "application/json", "{\"id\":\"7\"}"))
			.singleElement(as(STRING))
			.contains("price");
		assertThat(this.contract.violations("GET", "/items/7", 200, "application/json",
				"{\"id\":\"7\",\"price\":1,\"state\":\"GONE\"}"))
			.singleElement(as(STRING))
			.contains("/state");
		assertThat(this.contract.violations("GET", "/items/7", 404, "application/problem+json", "{}")).hasSize(1);
		assertThat(this.contract.violations("GET", "/items/7", 200, "application/json", "{\"id\":"))
			.singleElement(as(STRING))
			.contains("not JSON");
	}

	@Test
	void catchesAStatusMediaTypeOrPathItDoesNotDeclare() {
		assertThat(this.contract.violations("GET", "/items/7", 500, "application/problem+json", "{\"status\":500}"))
			.singleElement(as(STRING))
			.contains("declares only [200, 404]");
		assertThat(this.contract.violations("GET", "/items/7", 200, "text/plain", "7")).singleElement(as(STRING))
			.contains("answered text/plain");
		assertThat(this.contract.violations("GET", "/items/7", 200, null, "")).singleElement(as(STRING))
			.contains("no body");
		assertThat(this.contract.violations("POST", "/items/7", 200, "application/json", "{}"))
			.singleElement(as(STRING))
			.contains("no POST /items/{id}");
		assertThat(this.contract.violations("GET", "/other", 200, "application/json", "{}")).singleElement(as(STRING))
			.contains("no path of the document matches /other");
	}

}
