package dev.pricingengine.common.catalog;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Maps a {@link Product} to the fields of its Redis hash and back, and to the pricing
 * inputs its category's hash holds for it.
 */
public final class ProductCodec {

	public static final String CATEGORY = "category";

	public static final String BASE_PRICE = "base_price";

	public static final String FLOOR_PRICE = "floor_price";

	public static final String CEILING_PRICE = "ceiling_price";

	/** Hash fields in the order {@link #fromValues} expects them. */
	public static final List<String> FIELDS = List.of(CATEGORY, BASE_PRICE, FLOOR_PRICE, CEILING_PRICE);

	/**
	 * Separator of the pricing inputs in a category's hash:
	 * {@code base_price|floor_price|ceiling_price}, for example
	 * {@code 12.50|10.00|15.00}. The catalog scripts write them in this form.
	 */
	private static final char INPUTS_SEPARATOR = '|';

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

	/**
	 * Encodes the pricing inputs a category's hash holds for a product.
	 * @param product the product
	 * @return {@code base_price|floor_price|ceiling_price}
	 */
	public static String toInputs(Product product) {
		return product.basePrice().toPlainString() + INPUTS_SEPARATOR + product.floorPrice().toPlainString()
				+ INPUTS_SEPARATOR + product.ceilingPrice().toPlainString();
	}

	/**
	 * Decodes the pricing inputs a category's hash holds for a product.
	 * @param id the product id
	 * @param category the category whose hash holds them
	 * @param inputs {@code base_price|floor_price|ceiling_price}
	 * @return the product
	 * @throws IllegalArgumentException if the inputs do not form a valid product
	 */
	public static Product fromInputs(String id, String category, String inputs) {
		int floor = inputs.indexOf(INPUTS_SEPARATOR) + 1;
		int ceiling = (floor > 0) ? inputs.indexOf(INPUTS_SEPARATOR, floor) + 1 : 0;
		if (ceiling == 0 || inputs.indexOf(INPUTS_SEPARATOR, ceiling) >= 0) {
			throw new IllegalArgumentException("Malformed pricing inputs of product " + id + ": '" + inputs + "'");
		}
		return new Product(id, category, PlainDecimals.parse(inputs, 0, floor - 1),
				PlainDecimals.parse(inputs, floor, ceiling - 1), PlainDecimals.parse(inputs, ceiling, inputs.length()));
	}

	public static Product fromHash(String id, Map<String, String> hash) {
		return fromValues(id, FIELDS.stream().map(hash::get).toList());
	}

}
