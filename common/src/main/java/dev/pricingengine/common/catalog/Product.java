package dev.pricingengine.common.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.springframework.util.Assert;

/**
 * One catalog product. Money is decimal with at most two fraction digits and is kept at
 * scale 2; the floor never exceeds the ceiling.
 *
 * @param id product id, for example {@code P-7}
 * @param category category id, for example {@code C-3}
 * @param basePrice list price before market factors
 * @param floorPrice lowest market price allowed
 * @param ceilingPrice highest market price allowed
 */
public record Product(String id, String category, BigDecimal basePrice, BigDecimal floorPrice,
		BigDecimal ceilingPrice) {

	/** Ids of products and categories: safe in Redis keys, URLs and logs. */
	public static final String ID_REGEX = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

	/** Largest price the catalog accepts. */
	public static final BigDecimal MAX_PRICE = new BigDecimal("1000000000.00");

	private static final int MAX_ID_LENGTH = 64;

	public Product {
		Assert.isTrue(isValidId(id), () -> "product id must match " + ID_REGEX);
		Assert.isTrue(isValidId(category), () -> "category must match " + ID_REGEX);
		basePrice = money("base_price", basePrice);
		floorPrice = money("floor_price", floorPrice);
		ceilingPrice = money("ceiling_price", ceilingPrice);
		Assert.isTrue(floorPrice.compareTo(ceilingPrice) <= 0, "floor_price must not exceed ceiling_price");
	}

	/**
	 * Whether an id matches {@link #ID_REGEX}; checked without a regex because every
	 * product of a recalculation is validated.
	 * @param id the id, or {@code null}
	 * @return whether it is a valid product or category id
	 */
	public static boolean isValidId(String id) {
		if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH || !isAlphanumeric(id.charAt(0))) {
			return false;
		}
		for (int i = 1; i < id.length(); i++) {
			char c = id.charAt(i);
			if (!isAlphanumeric(c) && c != '.' && c != '_' && c != '-') {
				return false;
			}
		}
		return true;
	}

	private static boolean isAlphanumeric(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	}

	private static BigDecimal money(String name, BigDecimal amount) {
		Assert.notNull(amount, () -> name + " is required");
		Assert.isTrue(amount.signum() > 0, () -> name + " must be positive");
		Assert.isTrue(amount.compareTo(MAX_PRICE) <= 0, () -> name + " must not exceed " + MAX_PRICE);
		Assert.isTrue(amount.scale() <= 2 || amount.stripTrailingZeros().scale() <= 2,
				() -> name + " must have at most two decimals");
		return amount.setScale(2, RoundingMode.UNNECESSARY);
	}

}
