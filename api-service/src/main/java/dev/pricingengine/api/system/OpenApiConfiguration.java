package dev.pricingengine.api.system;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description's header; paths and schemas are generated from the controllers.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	@Bean
	OpenAPI pricingOpenApi() {
		return new OpenAPI().info(new Info().title("Dynamic Pricing Engine API")
			.version("v1")
			.description("Prices served from Redis (member and region terms applied per request), "
					+ "catalog import and lookup. Errors are RFC 9457 problem details."));
	}

}
