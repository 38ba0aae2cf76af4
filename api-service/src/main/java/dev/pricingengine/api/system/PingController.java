package dev.pricingengine.api.system;

import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A constant answer that touches nothing: a liveness probe for load balancers, and the
 * baseline the read-path benchmark compares the price endpoint with.
 */
@RestController
@Tag(name = "System")
class PingController {

	private static final Map<String, String> PONG = Map.of("status", "ok");

	@GetMapping("/api/v1/ping")
	@Operation(summary = "Whether the API answers", description = "A constant answer, touching nothing")
	Map<String, String> ping() {
		return PONG;
	}

}
