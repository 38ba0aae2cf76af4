package dev.pricingengine.common.catalog;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PlainDecimalsTests {

	@Test
	void readsAndWritesExactlyAsBigDecimalDoesForRandomAmounts() {
		Random random = new Random(20261206);
		for (int i = 0; i < 200_000; i++) {
			BigInteger unscaled = new BigInteger(1 + random.nextInt(70), random);
			if (random.nextInt(10) == 0) {
				unscaled = unscaled.negate();
			}
			BigDecimal value = new BigDecimal(unscaled, random.nextInt(24) - 2);
			String plain = value.toPlainString();
			assertThat(PlainDecimals.append(new StringBuilder("x"), value).toString()).as("%s", plain)
				.isEqualTo("x" + plain);
			String text = "|" + plain + "|";
			assertThat(PlainDecimals.parse(text, 1, text.length() - 1)).as("%s", plain)
				.isEqualTo(new BigDecimal(plain))
				.hasScaleOf(new BigDecimal(plain).scale());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "12.50", "0.00", "0.05", "5", "5.", ".5", "00012.50", "999999999999999999.99",
			"123456789012345678", "1234567890123456789", "0.000000000000000001", "-1.00", "+1.00", "1e3", "1E-2",
			"99999.00" })
	void readsWhatBigDecimalReads(String text) {
		assertThat(PlainDecimals.parse(text, 0, text.length())).isEqualTo(new BigDecimal(text))
			.hasScaleOf(new BigDecimal(text).scale());
	}

	@ParameterizedTest
	@ValueSource(strings = { "", ".", "1.2.3", "12,50", "1 2", "x", "1.0x" })
	void refusesWhatBigDecimalRefuses(String text) {
		assertThatExceptionOfType(NumberFormatException.class).isThrownBy(() -> new BigDecimal(text));
		assertThatExceptionOfType(NumberFormatException.class)
			.isThrownBy(() -> PlainDecimals.parse(text, 0, text.length()));
	}

}
