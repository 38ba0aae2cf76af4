package dev.pricingengine.common.pricing;

import java.math.BigDecimal;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.market.DemandFactors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PricingRuleTests {

	private static final Product PRODUCT = new Product("P-1", "C-1", new BigDecimal("10.00"), new BigDecimal("8.00"),
			new BigDecimal("15.00"));

	@Test
	void neutralFactorsLeaveTheBasePrice() {
		assertThat(PricingRule.marketPrice(PRODUCT, DemandFactors.NEUTRAL)).isEqualByComparingTo("10.00").hasScaleOf(2);
	}

	@Test
	void multipliesGlobalCategoryAndProductFactors() {
		DemandFactors factors = new DemandFactors(new BigDecimal("1.1"), new BigDecimal("1.2"), new BigDecimal("0.9"));
		// 10 × 1.1 × 1.2 × 0.9 = 11.88
		assertThat(PricingRule.marketPrice(PRODUCT, factors)).isEqualByComparingTo("11.88");
	}

	@ParameterizedTest
	@CsvSource({ "0.5, 8.00", "2.0, 15.00", "0.8, 8.00", "1.5, 15.00" })
	void clampsToFloorAndCeiling(String global, String expected) {
		DemandFactors factors = new DemandFactors(new BigDecimal(global), BigDecimal.ONE, BigDecimal.ONE);
		assertThat(PricingRule.marketPrice(PRODUCT, factors)).isEqualByComparingTo(expected);
	}

	@ParameterizedTest
	@CsvSource({ "10.125, 10.12", "10.135, 10.14", "10.1251, 10.13" })
	void roundsHalfEvenOnceAtTheEnd(String rawPrice, String expected) {
		// base 10.00 × factor gives the raw price exactly; half-even sends .125 down,
		// .135 up
		BigDecimal factor = new BigDecimal(rawPrice).divide(new BigDecimal("10"));
		DemandFactors factors = new DemandFactors(factor, BigDecimal.ONE, BigDecimal.ONE);
		assertThat(PricingRule.marketPrice(PRODUCT, factors)).isEqualByComparingTo(expected);
	}

	@Test
	void membersGetFivePercentOff() {
		assertThat(PricingRule.discountFor(true)).isEqualByComparingTo("0.05");
		assertThat(PricingRule.discountFor(false)).isEqualByComparingTo("0");
		assertThat(PricingRule.finalPrice(new BigDecimal("10.00"), BigDecimal.ONE, PricingRule.discountFor(true)))
			.isEqualByComparingTo("9.50");
	}

	@Test
	void finalPriceAppliesRegionThenDiscountAndRoundsHalfEven() {
		// 19.99 × 1.1 × 0.95 = 20.889550 → 20.89
		assertThat(PricingRule.finalPrice(new BigDecimal("19.99"), new BigDecimal("1.1"), new BigDecimal("0.05")))
			.isEqualByComparingTo("20.89")
			.hasScaleOf(2);
	}

}
