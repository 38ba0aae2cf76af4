package dev.pricingengine.api.catalog;

import java.math.BigDecimal;

import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.common.catalog.Product;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * A product as clients send it in an import. Prices may be JSON numbers or decimal
 * strings.
 *
 * @param productId product id
 * @param category category id
 * @param basePrice list price before market factors
 * @param floorPrice lowest market price allowed
 * @param ceilingPrice highest market price allowed
 */
record ProductPayload(@Schema(requiredMode = RequiredMode.REQUIRED, example = "P-42") String productId,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "C-7") String category,
		@Schema(requiredMode = RequiredMode.REQUIRED, ref = OpenApiConfiguration.DECIMAL) BigDecimal basePrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, ref = OpenApiConfiguration.DECIMAL) BigDecimal floorPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, ref = OpenApiConfiguration.DECIMAL) BigDecimal ceilingPrice) {

	/**
	 * The product this payload describes.
	 * @throws IllegalArgumentException if it is not a valid product
	 */
	Product toProduct() {
		return new Product(this.productId, this.category, this.basePrice, this.floorPrice, this.ceilingPrice);
	}

}
