package dev.pricingengine.api.price;

import dev.pricingengine.common.catalog.Product;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prices as callers see them.
 */
@RestController
@RequestMapping("/api/v1")
class PriceController {

	static final String LOCATION_REGEX = "[A-Za-z0-9_-]{1,32}";

	private final PriceService prices;

	PriceController(PriceService prices) {
		this.prices = prices;
	}

	@GetMapping("/prices/{productId}")
	Mono<PriceResponse> price(@PathVariable @Pattern(regexp = Product.ID_REGEX) String productId,
			@RequestParam(required = false) @Pattern(regexp = LOCATION_REGEX) String location,
			@RequestParam(defaultValue = "false") boolean member) {
		return this.prices.quote(productId, location, member);
	}

	/** The prototype's endpoint, kept for its clients. */
	@PostMapping("/price")
	Mono<PriceResponse> price(@Valid @RequestBody PriceRequest request) {
		return this.prices.quote(request.productId(), request.userLocation(), request.member());
	}

}
