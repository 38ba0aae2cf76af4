package dev.pricingengine.api.console;

import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The console's page at {@code /console}; its script and style are static resources
 * beside it ({@code static/console/}), part of the build: nothing is loaded from
 * elsewhere, which its content security policy enforces.
 * <p>
 * An annotated handler, not a {@code RouterFunction}: a router function is asked first
 * about every request, and the OpenTelemetry agent's WebFlux instrumentation renders its
 * predicate as a string each time it is asked, ~3 % of every read's CPU time
 * (docs/performance.md).
 */
@Controller
@Hidden
class ConsolePage {

	private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
			+ "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
			+ "base-uri 'none'; form-action 'self'";

	private final Resource page;

	ConsolePage(@Value("classpath:/static/console/index.html") Resource page) {
		this.page = page;
	}

	@GetMapping({ "/console", "/console/" })
	ResponseEntity<Resource> page() {
		return ResponseEntity.ok()
			.contentType(MediaType.TEXT_HTML)
			.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.cacheControl(CacheControl.noCache())
			.body(this.page);
	}

}
