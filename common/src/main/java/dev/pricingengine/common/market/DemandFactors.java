package dev.pricingengine.common.market;

import java.math.BigDecimal;

import org.springframework.util.Assert;

/**
 * The demand factors that apply to one product: the whole market's, its category's and
 * its own. A factor nobody has set is 1.
 *
 * @param global whole-market factor
 * @param category the product's category factor
 * @param product the product's own factor
 */
public record DemandFactors(BigDecimal global, BigDecimal category, BigDecimal product) {

	public static final DemandFactors NEUTRAL = new DemandFactors(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE);

	public DemandFactors {
		requirePositive("global", global);
		requirePositive("category", category);
		requirePositive("product", product);
	}

	private static void requirePositive(String name, BigDecimal factor) {
		Assert.isTrue(factor != null && factor.signum() > 0, () -> name + " demand factor must be positive");
	}

}
