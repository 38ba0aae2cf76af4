package dev.pricingengine.api.console;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The console's page at {@code /console}; its script and style are static resources
 * beside it ({@code static/console/}), part of the build: nothing is loaded from
 * elsewhere, which its content security policy enforces.
 */
@Configuration(proxyBeanMethods = false)
class ConsolePage {

	private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
			+ "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
			+ "base-uri 'none'; form-action 'self'";

	@Bean
	RouterFunction<ServerResponse> consolePageRoute(@Value("classpath:/static/console/index.html") Resource page) {
		return RouterFunctions.route(RequestPredicates.GET("/console").or(RequestPredicates.GET("/console/")),
				(request) -> ServerResponse.ok()
					.contentType(MediaType.TEXT_HTML)
					.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
					.header("Cache-Control", "no-cache")
					.bodyValue(page));
	}

}
