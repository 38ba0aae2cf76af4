package dev.pricingengine.common.pricing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Encodes a {@link MarketPrice} as the compact string stored under a price key:
 * {@code price|base_price|computed_at_epoch_millis|version}, for example
 * {@code 12.50|11.90|1764000000000|0}.
 */
public final class MarketPriceCodec {

	private static final char SEPARATOR = '|';

	private MarketPriceCodec() {
	}

	public static String encode(MarketPrice price) {
		return price.price().toPlainString() + SEPARATOR + price.basePrice().toPlainString() + SEPARATOR
				+ price.computedAt().toEpochMilli() + SEPARATOR + price.version();
	}

	/**
	 * Decodes a stored price.
	 * @param encoded the stored string
	 * @return the price
	 * @throws IllegalArgumentException if the string is not an encoded price
	 */
	public static MarketPrice decode(String encoded) {
		String[] parts = encoded.split("\\|", -1);
		if (parts.length != 4) {
			throw new IllegalArgumentException("Not an encoded market price: '" + encoded + "'");
		}
		try {
			return new MarketPrice(new BigDecimal(parts[0]), new BigDecimal(parts[1]),
					Instant.ofEpochMilli(Long.parseLong(parts[2])), Long.parseLong(parts[3]));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not an encoded market price: '" + encoded + "'", ex);
		}
	}

}
