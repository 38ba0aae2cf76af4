package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * A price as one caller sees it.
 *
 * @param productId the product
 * @param finalPrice the market price with the caller's region factor and discount applied
 * @param marketPrice the caller-independent market price
 * @param basePrice the catalog base price
 * @param discountRate the caller's discount
 * @param source whether the market price came from the cache or was computed now
 * @param computedAt when the market price was computed
 */
record PriceResponse(@Schema(requiredMode = RequiredMode.REQUIRED, example = "P-42") String productId,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "13.07") BigDecimal finalPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "12.50") BigDecimal marketPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "12.50") BigDecimal basePrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "0.05") BigDecimal discountRate,
		@Schema(requiredMode = RequiredMode.REQUIRED) PriceSource source,
		@Schema(requiredMode = RequiredMode.REQUIRED) Instant computedAt) {

}
