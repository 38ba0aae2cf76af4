package dev.pricingengine.api.price;

import java.util.regex.Pattern;

import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.catalog.Product;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prices as callers see them. Both read endpoints check their values with precompiled
 * patterns rather than per-call bean validation, which cost more than the rest of a cache
 * hit.
 */
@RestController
@RequestMapping("/api/v1")
@Tag(name = "Prices")
class PriceController {

	static final String LOCATION_REGEX = "[A-Za-z0-9_-]{1,32}";

	private static final Pattern LOCATION = Pattern.compile(LOCATION_REGEX);

	private final PriceService prices;

	PriceController(PriceService prices) {
		this.prices = prices;
	}

	@GetMapping("/prices/{productId}")
	@Operation(summary = "A product's price",
			description = "The market price, and the price for a location and membership")
	@ProblemResponses({ 400, 404, 503 })
	Mono<PriceResponse> price(@PathVariable String productId, @RequestParam(required = false) String location,
			@RequestParam(defaultValue = "false") boolean member) {
		if (!Product.isValidId(productId)) {
			throw new InvalidParameterException("productId", Product.ID_REGEX);
		}
		if (location != null && !LOCATION.matcher(location).matches()) {
			throw new InvalidParameterException("location", LOCATION_REGEX);
		}
		return this.prices.quote(productId, location, member);
	}

	/**
	 * The prototype's endpoint, kept for its clients. Its body is checked as the
	 * {@code GET}'s values are (the constraints on {@link PriceRequest} document them).
	 */
	@PostMapping("/price")
	@Operation(summary = "A product's price, asked the prototype's way",
			description = "The same answer as GET /api/v1/prices/{productId}, for the prototype's clients")
	@ProblemResponses({ 400, 404, 413, 503 })
	Mono<PriceResponse> price(@RequestBody PriceRequest request) {
		if (!Product.isValidId(request.productId())) {
			throw new InvalidParameterException("product_id", Product.ID_REGEX);
		}
		if (request.userLocation() != null && !LOCATION.matcher(request.userLocation()).matches()) {
			throw new InvalidParameterException("user_location", LOCATION_REGEX);
		}
		return this.prices.quote(request.productId(), request.userLocation(), request.member());
	}

	/** A path, query or body value that does not match its pattern (400). */
	static class InvalidParameterException extends ProblemException {

		InvalidParameterException(String parameter, String regex) {
			super(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
					"'" + parameter + "' must match " + regex);
			with("parameter", parameter);
		}

	}

}
