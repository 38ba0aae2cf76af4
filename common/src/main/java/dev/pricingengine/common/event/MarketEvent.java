package dev.pricingengine.common.event;

import java.math.BigDecimal;

import dev.pricingengine.common.catalog.Product;

/**
 * A market event. Which fields are set depends on the type:
 * <ul>
 * <li>{@code DEMAND_FACTOR}: {@code factor}, and at most one of {@code category} and
 * {@code productId} to narrow the scope (neither: the whole market);</li>
 * <li>{@code BASE_PRICE}: {@code productId} and {@code basePrice};</li>
 * <li>{@code RECALCULATE}: nothing.</li>
 * </ul>
 *
 * @param type what the event changes
 * @param factor the new demand factor
 * @param category the category a demand factor applies to
 * @param productId the product a demand factor or base price applies to
 * @param basePrice the new base price
 */
public record MarketEvent(MarketEventType type, BigDecimal factor, String category, String productId,
		BigDecimal basePrice) {

	public static final MarketEvent RECALCULATE = new MarketEvent(MarketEventType.RECALCULATE, null, null, null, null);

	public MarketEvent {
		if (type == null) {
			throw new IllegalArgumentException("type is required (DEMAND_FACTOR, BASE_PRICE or RECALCULATE)");
		}
		switch (type) {
			case DEMAND_FACTOR -> {
				require(factor != null, "factor is required for DEMAND_FACTOR");
				require(factor.signum() > 0, "factor must be positive");
				require(category == null || productId == null, "give category or product_id, not both");
				require(category == null || Product.isValidId(category), "category must match " + Product.ID_REGEX);
				require(productId == null || Product.isValidId(productId), "product_id must match " + Product.ID_REGEX);
				require(basePrice == null, "base_price does not belong to DEMAND_FACTOR");
			}
			case BASE_PRICE -> {
				require(productId != null && Product.isValidId(productId),
						"product_id matching " + Product.ID_REGEX + " is required for BASE_PRICE");
				require(basePrice != null && basePrice.signum() > 0, "base_price must be positive");
				require(basePrice.compareTo(Product.MAX_PRICE) <= 0, "base_price must not exceed " + Product.MAX_PRICE);
				require(basePrice.stripTrailingZeros().scale() <= 2, "base_price must have at most two decimals");
				require(factor == null && category == null, "factor and category do not belong to BASE_PRICE");
			}
			case RECALCULATE -> require(factor == null && category == null && productId == null && basePrice == null,
					"RECALCULATE takes no other field");
		}
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
