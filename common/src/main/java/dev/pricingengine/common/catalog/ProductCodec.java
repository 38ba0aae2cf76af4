package dev.pricingengine.common.catalog;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Maps a {@link Product} to the fields of its Redis hash and back.
 */
public final class ProductCodec {

	public static final String CATEGORY = "category";

	public static final String BASE_PRICE = "base_price";

	public static final String FLOOR_PRICE = "floor_price";

	public static final String CEILING_PRICE = "ceiling_price";

	/** Hash fields in the order {@link #fromValues} expects them. */
	public static final List<String> FIELDS = List.of(CATEGORY, BASE_PRICE, FLOOR_PRICE, CEILING_PRICE);

	private ProductCodec() {
	}

	public static Map<String, String> toHash(Product product) {
		return Map.of(CATEGORY, product.category(), BASE_PRICE, product.basePrice().toPlainString(), FLOOR_PRICE,
				product.floorPrice().toPlainString(), CEILING_PRICE, product.ceilingPrice().toPlainString());
	}

	/**
	 * Decodes the values of {@link #FIELDS}, in that order.
	 * @param id the product id
	 * @param values category, base, floor and ceiling price
	 * @return the product
	 * @throws IllegalArgumentException if the stored values do not form a valid product
	 */
	public static Product fromValues(String id, List<String> values) {
		if (values.size() != FIELDS.size() || values.contains(null)) {
			throw new IllegalArgumentException("Incomplete catalog entry for product " + id);
		}
		return new Product(id, values.get(0), new BigDecimal(values.get(1)), new BigDecimal(values.get(2)),
				new BigDecimal(values.get(3)));
	}

	public static Product fromHash(String id, Map<String, String> hash) {
		return fromValues(id, FIELDS.stream().map(hash::get).toList());
	}

}
