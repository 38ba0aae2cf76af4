package dev.pricingengine.common.pricing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A product's cached market price: caller-independent, so it can be served to everyone.
 *
 * @param price the market price
 * @param basePrice the base price it was computed from
 * @param computedAt when it was computed
 * @param version fencing token of the writer (0 for a read-path write-back)
 */
public record MarketPrice(BigDecimal price, BigDecimal basePrice, Instant computedAt, long version) {

}
