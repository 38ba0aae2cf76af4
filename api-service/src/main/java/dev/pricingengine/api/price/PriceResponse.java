package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.Instant;

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
record PriceResponse(String productId, BigDecimal finalPrice, BigDecimal marketPrice, BigDecimal basePrice,
		BigDecimal discountRate, PriceSource source, Instant computedAt) {

}
