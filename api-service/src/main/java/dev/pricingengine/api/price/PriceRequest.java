package dev.pricingengine.api.price;

import dev.pricingengine.common.catalog.Product;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * Body of the prototype-compatible {@code POST /api/v1/price}. The constraints document
 * it (the OpenAPI schema); {@code PriceController} checks them with precompiled patterns.
 *
 * @param productId the product
 * @param userLocation the caller's location, for example {@code NY}
 * @param isPrimeMember whether the caller is a member
 */
record PriceRequest(@Schema(example = "P-42") @NotNull @Pattern(regexp = Product.ID_REGEX) String productId,
		@Schema(example = "NY") @Pattern(regexp = PriceController.LOCATION_REGEX) String userLocation,
		@Schema(example = "true") Boolean isPrimeMember) {

	boolean member() {
		return Boolean.TRUE.equals(this.isPrimeMember);
	}

}
