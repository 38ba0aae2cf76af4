package dev.pricingengine.common.catalog;

import java.math.BigDecimal;

/**
 * Money amounts in plain decimal notation ({@code 12.50}), as the catalog and the stored
 * prices hold them, read and written without the intermediate strings and arrays of
 * {@link BigDecimal#BigDecimal(String)} and {@link BigDecimal#toPlainString()}: a
 * recalculation pass reads three and writes two per product. Any other notation goes
 * through {@link BigDecimal} itself, so the results are always exactly
 * {@code BigDecimal}'s.
 */
public final class PlainDecimals {

	/** Digits a {@code long} always holds. */
	private static final int MAX_DIGITS = 18;

	private static final long[] POWERS_OF_TEN = new long[MAX_DIGITS + 1];

	static {
		POWERS_OF_TEN[0] = 1;
		for (int i = 1; i <= MAX_DIGITS; i++) {
			POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
		}
	}

	private PlainDecimals() {
	}

	/**
	 * Reads a decimal: the same value and scale as
	 * {@code new BigDecimal(text.substring(from, to))}.
	 * @param text the text holding it
	 * @param from index of its first character
	 * @param to index after its last character
	 * @return the decimal
	 * @throws NumberFormatException if it is not a decimal
	 */
	public static BigDecimal parse(String text, int from, int to) {
		long unscaled = 0;
		int digits = 0;
		int scale = -1;
		for (int i = from; i < to; i++) {
			char c = text.charAt(i);
			if (c >= '0' && c <= '9') {
				unscaled = unscaled * 10 + (c - '0');
				digits++;
				if (scale >= 0) {
					scale++;
				}
			}
			else if (c == '.' && scale < 0) {
				scale = 0;
			}
			else {
				return new BigDecimal(text.substring(from, to));
			}
		}
		if (digits == 0 || digits > MAX_DIGITS || scale == 0) {
			// no digits, too many for a long, or a trailing point: BigDecimal decides
			return new BigDecimal(text.substring(from, to));
		}
		return BigDecimal.valueOf(unscaled, Math.max(scale, 0));
	}

	/**
	 * Appends a decimal as {@link BigDecimal#toPlainString()} writes it.
	 * @param out where to append it
	 * @param value the decimal
	 * @return {@code out}
	 */
	public static StringBuilder append(StringBuilder out, BigDecimal value) {
		int scale = value.scale();
		if (value.signum() < 0 || scale <= 0 || scale > MAX_DIGITS || value.precision() > MAX_DIGITS) {
			return out.append(value.toPlainString());
		}
		long unscaled = value.movePointRight(scale).longValue();
		long unit = POWERS_OF_TEN[scale];
		long fraction = unscaled % unit;
		out.append(unscaled / unit).append('.');
		for (long place = unit / 10; place > 1 && fraction < place; place /= 10) {
			out.append('0');
		}
		return out.append(fraction);
	}

}
