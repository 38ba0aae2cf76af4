package dev.pricingengine.common.pricing;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MarketPriceCodecTests {

	@Test
	void aWorkersPriceWithTheSameValuesNeedsNoRewrite() {
		String stored = "12.50|11.90|1764000000123|7";
		assertThat(MarketPriceCodec.sameWorkerPrice(stored, "12.50|11.90|1764000999999|9")).isTrue();
		assertThat(MarketPriceCodec.sameWorkerPrice(stored, "12.51|11.90|1764000999999|9")).isFalse();
		assertThat(MarketPriceCodec.sameWorkerPrice(stored, "12.50|11.91|1764000999999|9")).isFalse();
		assertThat(MarketPriceCodec.sameWorkerPrice("12.5|11.90|1764000000123|7", "12.50|11.90|1764000999999|9"))
			.as("another encoding of the price is rewritten")
			.isFalse();
		assertThat(MarketPriceCodec.sameWorkerPrice("12.50|11.90|1764000000123|0", "12.50|11.90|1764000999999|9"))
			.as("a read-path write-back (version 0) expires: replaced by a lasting price")
			.isFalse();
		assertThat(MarketPriceCodec.sameWorkerPrice(null, "12.50|11.90|1764000999999|9")).isFalse();
	}

	@Test
	void roundTripsAPrice() {
		MarketPrice price = new MarketPrice(new BigDecimal("12.50"), new BigDecimal("11.90"),
				Instant.ofEpochMilli(1764000000123L), 42);
		String encoded = MarketPriceCodec.encode(price);
		assertThat(encoded).isEqualTo("12.50|11.90|1764000000123|42");
		assertThat(MarketPriceCodec.decode(encoded)).isEqualTo(price);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "12.50", "12.50|11.90|x|0", "a|b|1|0", "1|2|3|4|5" })
	void rejectsWhatIsNotAnEncodedPrice(String encoded) {
		assertThatIllegalArgumentException().isThrownBy(() -> MarketPriceCodec.decode(encoded))
			.withMessageContaining("Not an encoded market price");
	}

}
