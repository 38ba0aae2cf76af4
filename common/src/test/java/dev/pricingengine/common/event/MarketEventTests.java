package dev.pricingengine.common.event;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MarketEventTests {

	@Test
	void acceptsEachTypeWithItsFields() {
		assertThat(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.15"), null, null, null).factor())
			.isEqualByComparingTo("1.15");
		assertThat(new MarketEvent(MarketEventType.DEMAND_FACTOR, BigDecimal.ONE, "C-3", null, null).category())
			.isEqualTo("C-3");
		assertThat(new MarketEvent(MarketEventType.BASE_PRICE, null, null, "P-7", new BigDecimal("12.50")).basePrice())
			.isEqualByComparingTo("12.50");
		assertThat(MarketEvent.RECALCULATE.type()).isEqualTo(MarketEventType.RECALCULATE);
	}

	@Test
	void rejectsFieldsThatDoNotFitTheType() {
		assertThatIllegalArgumentException().isThrownBy(() -> new MarketEvent(null, null, null, null, null))
			.withMessageContaining("type is required");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.DEMAND_FACTOR, null, null, null, null))
			.withMessageContaining("factor is required");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("-1"), null, null, null))
			.withMessageContaining("factor must be positive");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.DEMAND_FACTOR, BigDecimal.ONE, "C-1", "P-1", null))
			.withMessageContaining("not both");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.BASE_PRICE, null, null, null, BigDecimal.TEN))
			.withMessageContaining("product_id");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.BASE_PRICE, null, null, "P-1", new BigDecimal("1.005")))
			.withMessageContaining("two decimals");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MarketEvent(MarketEventType.RECALCULATE, BigDecimal.ONE, null, null, null))
			.withMessageContaining("no other field");
	}

}
