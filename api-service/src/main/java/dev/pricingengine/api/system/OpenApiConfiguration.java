package dev.pricingengine.api.system;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description: its header, the API-key scheme, the problem-detail schema
 * every error answers with, the tags operations are grouped under, and schemas named as
 * the wire format names them. Paths and schemas are generated from the controllers; the
 * error statuses of each operation come from its {@link ProblemResponses}.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

	/**
	 * The name of the API-key scheme that operations needing a key refer to
	 * ({@code @SecurityRequirement}).
	 */
	public static final String API_KEY = "api-key";

	/**
	 * The schema of money in requests: a JSON number or a decimal string such as
	 * {@code "12.50"} ({@code @Schema(ref = DECIMAL)}).
	 */
	public static final String DECIMAL = "#/components/schemas/Decimal";

	/**
	 * What is always present in the schemas of {@code common}'s records, which carry no
	 * OpenAPI annotations.
	 */
	private static final Map<String, List<String>> REQUIRED_IN_COMMON_SCHEMAS = Map.of("MarketEvent", List.of("type"),
			"FaultSettings", List.of("failure_rate", "latency_ms", "batch_latency_ms"));

	private static final String PROBLEM = "Problem";

	private static final String PROBLEM_JSON = "application/problem+json";

	/** What each error status means here. */
	private static final Map<Integer, String> MEANINGS = Map.of(400,
			"Bad request: malformed JSON, a value of another type, an invalid value (the detail names it)", 401,
			"No valid X-API-Key header", 404, "Not found", 409, "Conflict", 413, "Request body too large", 429,
			"Too many events from this key (see Retry-After)", 503,
			"Unavailable for now (price store unreachable, no listener, a replica did not acknowledge): "
					+ "retry after Retry-After");

	@Bean
	OpenAPI pricingOpenApi() {
		return new OpenAPI()
			.info(new Info().title("Dynamic Pricing Engine API")
				.version("v1")
				.description("Prices served from Redis (member and region terms applied per request), "
						+ "catalog import and lookup, market events and job status. "
						+ "Errors are RFC 9457 problem details."))
			.components(new Components()
				.addSecuritySchemes(API_KEY,
						new SecurityScheme().type(SecurityScheme.Type.APIKEY)
							.in(SecurityScheme.In.HEADER)
							.name("X-API-Key")
							.description("A key from pricing.security.api-keys: needed to change state or "
									+ "trigger work, and for operators' reads"))
				.addSchemas(PROBLEM, problemSchema())
				.addSchemas("Decimal",
						new Schema<>().types(new LinkedHashSet<>(List.of("string", "number")))
							.pattern("^[0-9]+(\\.[0-9]+)?$")
							.description("A JSON number, or a decimal string such as \"12.50\" (read exactly, "
									+ "with no binary rounding)")
							.example("12.50")))
			.tags(List.of(new Tag().name("Prices").description("Prices as callers see them"),
					new Tag().name("Catalog").description("Products and their pricing inputs"),
					new Tag().name("Market events").description("Events that change prices, published to the workers"),
					new Tag().name("Jobs").description("What became of a published event"),
					new Tag().name("Dead letters").description("Jobs that could not succeed, and their replay"),
					new Tag().name("Fault injection")
						.description("Failures and latency injected into the workers' market-data calls and passes"),
					new Tag().name("Console")
						.description("What the operators' console at /console reads: the system's overview, live"),
					new Tag().name("System").description("Liveness of the API itself")));
	}

	/** RFC 9457's members, and the ones this API adds to some problems. */
	private static Schema<?> problemSchema() {
		return new ObjectSchema().description("An RFC 9457 problem detail")
			.addProperty("type",
					new StringSchema().description("A URI naming the kind of problem")
						.example("urn:pricing:problem:invalid-catalog-entry"))
			.addProperty("title", new StringSchema().description("A short summary of the kind of problem"))
			.addProperty("status", new IntegerSchema().description("The HTTP status"))
			.addProperty("detail",
					new StringSchema().description("What is wrong with this request")
						.example("'product_id' must be a string, not a number"))
			.addProperty("instance", new StringSchema().description("The request's path"))
			.addProperty("index",
					new IntegerSchema().format("int64").description("A catalog import's invalid entry, counted from 0"))
			.addProperty("entry_id", new StringSchema().description("A dead letter's entry id"))
			.additionalProperties(true);
	}

	/** Each operation's error statuses, as its {@link ProblemResponses} lists them. */
	@Bean
	OperationCustomizer problemResponses() {
		return (operation, handlerMethod) -> {
			ProblemResponses problems = handlerMethod.getMethodAnnotation(ProblemResponses.class);
			if (problems != null) {
				ApiResponses responses = (operation.getResponses() != null) ? operation.getResponses()
						: new ApiResponses();
				for (int status : problems.value()) {
					responses.addApiResponse(String.valueOf(status), new ApiResponse()
						.description(MEANINGS.getOrDefault(status, "Error"))
						.content(new Content().addMediaType(PROBLEM_JSON,
								new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
				}
				operation.setResponses(responses);
			}
			return operation;
		};
	}

	/**
	 * Properties as the API writes them: one a schema does not require is written as
	 * {@code null} when it has no value (Jackson writes every property), so its schema
	 * admits {@code null} too; and what {@code common}'s records always hold is required.
	 */
	@Bean
	OpenApiCustomizer nullWhereNotRequired() {
		return (openApi) -> openApi.getComponents().getSchemas().forEach((name, schema) -> {
			if (REQUIRED_IN_COMMON_SCHEMAS.containsKey(name)) {
				schema.setRequired(REQUIRED_IN_COMMON_SCHEMAS.get(name));
			}
			Map<String, Schema<?>> properties = schema.getProperties();
			if (properties == null || name.equals(PROBLEM)) {
				return;
			}
			List<String> required = (schema.getRequired() != null) ? schema.getRequired() : List.of();
			properties.replaceAll((property, value) -> required.contains(property) ? value : orNull(value));
		});
	}

	@SuppressWarnings("unchecked")
	private static Schema<?> orNull(Schema<?> schema) {
		if (schema.get$ref() != null) {
			return new Schema<>().anyOf(List.of(schema, new Schema<>().types(Set.of("null"))));
		}
		Set<String> types = new LinkedHashSet<>((schema.getTypes() != null) ? schema.getTypes()
				: (schema.getType() != null) ? Set.of(schema.getType()) : Set.of());
		if (!types.isEmpty()) {
			types.add("null");
			schema.setTypes(types);
			if (schema.getEnum() != null && !schema.getEnum().contains(null)) {
				List<Object> values = new ArrayList<>(schema.getEnum());
				values.add(null);
				((Schema<Object>) schema).setEnum(values);
			}
		}
		return schema;
	}

	/**
	 * Schemas in snake_case, like the JSON the API reads and writes
	 * ({@code spring.jackson.property-naming-strategy}); springdoc resolves models with
	 * its own mapper, which does not see that setting.
	 */
	@Bean
	ModelResolver snakeCaseModelResolver() {
		return new ModelResolver(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
	}

}
