package dev.pricingengine.common.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.market.DemandFactors;

/**
 * The pricing rule, as pure functions over decimals:
 *
 * <pre>
 * market_price = round_half_even(clamp(base × global × category × product, floor, ceiling), 2)
 * final_price  = round_half_even(market_price × region × (1 − discount), 2)
 * </pre>
 *
 * Products are exact ({@link BigDecimal#multiply}); rounding happens once, at the end.
 */
public final class PricingRule {

	/** Discount members get (the prototype's prime discount). */
	public static final BigDecimal MEMBER_DISCOUNT = new BigDecimal("0.05");

	private static final int MONEY_SCALE = 2;

	private PricingRule() {
	}

	public static BigDecimal marketPrice(Product product, DemandFactors factors) {
		BigDecimal raw = product.basePrice()
			.multiply(factors.global())
			.multiply(factors.category())
			.multiply(factors.product());
		BigDecimal clamped = raw.max(product.floorPrice()).min(product.ceilingPrice());
		return clamped.setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
	}

	public static BigDecimal finalPrice(BigDecimal marketPrice, BigDecimal regionFactor, BigDecimal discount) {
		return marketPrice.multiply(regionFactor)
			.multiply(BigDecimal.ONE.subtract(discount))
			.setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
	}

	public static BigDecimal discountFor(boolean member) {
		return member ? MEMBER_DISCOUNT : BigDecimal.ZERO;
	}

}
