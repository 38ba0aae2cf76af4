package dev.pricingengine.common.pricing;

import java.math.BigDecimal;
import java.time.Instant;

import dev.pricingengine.common.catalog.PlainDecimals;

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
		return encoder(price.computedAt(), price.version()).encode(price.price(), price.basePrice());
	}

	/**
	 * An encoder of prices that share when they were computed and their version, as all
	 * the prices of one recalculation pass do; it encodes those two once.
	 * @param computedAt when the prices were computed
	 * @param version their version (the fencing token of a worker's write)
	 * @return the encoder
	 */
	public static Encoder encoder(Instant computedAt, long version) {
		return new Encoder(String.valueOf(SEPARATOR) + computedAt.toEpochMilli() + SEPARATOR + version);
	}

	/**
	 * Whether a stored price holds the same market and base price as a newly encoded one
	 * and was written by a worker (version other than 0; a read-path write-back expires).
	 * Rewriting it would change only when and under which token it was computed — and
	 * invalidate every API replica's in-memory copy — so a recalculation skips it.
	 * @param stored the stored string, or {@code null} when there is none
	 * @param encoded the new encoding
	 * @return whether writing {@code encoded} over {@code stored} can be skipped
	 */
	public static boolean sameWorkerPrice(String stored, String encoded) {
		if (stored == null || stored.endsWith(SEPARATOR + "0")) {
			return false;
		}
		int valueEnd = encoded.indexOf(SEPARATOR, encoded.indexOf(SEPARATOR) + 1) + 1;
		return stored.regionMatches(0, encoded, 0, valueEnd);
	}

	/**
	 * Encodes prices computed at one time under one version.
	 */
	public static final class Encoder {

		private final String suffix;

		private Encoder(String suffix) {
			this.suffix = suffix;
		}

		/**
		 * Encodes one price.
		 * @param price the market price
		 * @param basePrice the base price it was computed from
		 * @return the string to store under the price key
		 */
		public String encode(BigDecimal price, BigDecimal basePrice) {
			StringBuilder encoded = new StringBuilder(32 + this.suffix.length());
			PlainDecimals.append(encoded, price).append(SEPARATOR);
			return PlainDecimals.append(encoded, basePrice).append(this.suffix).toString();
		}

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
