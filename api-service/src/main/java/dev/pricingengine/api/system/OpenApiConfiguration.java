package dev.pricingengine.api.system;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description: its header, and schemas named as the wire format names them.
 * Paths and schemas are generated from the controllers.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	@Bean
	OpenAPI pricingOpenApi() {
		return new OpenAPI().info(new Info().title("Dynamic Pricing Engine API")
			.version("v1")
			.description("Prices served from Redis (member and region terms applied per request), "
					+ "catalog import and lookup, market events and job status. "
					+ "Errors are RFC 9457 problem details."));
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
