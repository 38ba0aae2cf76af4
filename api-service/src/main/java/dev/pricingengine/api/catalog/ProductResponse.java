package dev.pricingengine.api.catalog;

import java.math.BigDecimal;

import dev.pricingengine.common.catalog.Product;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * A product as the catalog holds it; prices are JSON numbers.
 *
 * @param productId product id
 * @param category category id
 * @param basePrice list price before market factors
 * @param floorPrice lowest market price allowed
 * @param ceilingPrice highest market price allowed
 */
record ProductResponse(@Schema(requiredMode = RequiredMode.REQUIRED, example = "P-42") String productId,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "C-7") String category,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "12.50") BigDecimal basePrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "9.00") BigDecimal floorPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "20.00") BigDecimal ceilingPrice) {

	static ProductResponse of(Product product) {
		return new ProductResponse(product.id(), product.category(), product.basePrice(), product.floorPrice(),
				product.ceilingPrice());
	}

}
