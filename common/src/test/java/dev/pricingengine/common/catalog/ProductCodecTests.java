package dev.pricingengine.common.catalog;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProductCodecTests {

	private static final Product PRODUCT = new Product("P-1", "C-1", new BigDecimal("12.5"), new BigDecimal("10"),
			new BigDecimal("99999"));

	@Test
	void encodesPricingInputsAtScaleTwo() {
		assertThat(ProductCodec.toInputs(PRODUCT)).isEqualTo("12.50|10.00|99999.00");
	}

	@Test
	void decodesPricingInputsWithTheIdAndCategoryTheyAreStoredUnder() {
		assertThat(ProductCodec.fromInputs("P-1", "C-1", ProductCodec.toInputs(PRODUCT))).isEqualTo(PRODUCT);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "12.50", "12.50|10.00", "12.50|10.00|99999.00|1", "12.50||99999.00", "x|10.00|20.00",
			"12.50|30.00|20.00" })
	void rejectsMalformedPricingInputs(String inputs) {
		assertThatIllegalArgumentException().isThrownBy(() -> ProductCodec.fromInputs("P-1", "C-1", inputs));
	}

}
