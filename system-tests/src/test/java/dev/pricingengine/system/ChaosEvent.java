package dev.pricingengine.system;

import java.math.BigDecimal;
import java.util.Random;

/**
 * A market event the chaos suite publishes: what it sets and to what.
 *
 * @param json the request body
 * @param target what it sets: {@code global}, {@code category:C-3} or
 * {@code product:P-chaos-7} (a demand factor), {@code base:P-chaos-7} (a base price), or
 * {@code null} for a recalculation
 * @param value the value it sets
 */
record ChaosEvent(String json, String target, String value) {

	/**
	 * Products that get base prices and demand factors of their own (never re-imported).
	 */
	static final int EVENT_PRODUCTS = 50;

	static final ChaosEvent RECALCULATE = new ChaosEvent("", null, null);

	/**
	 * A random event: demand factors of the market, a category or a product, or a base
	 * price.
	 */
	static ChaosEvent random(Random random) {
		String factor = BigDecimal.valueOf(80 + random.nextInt(41), 2).toPlainString();
		int kind = random.nextInt(10);
		if (kind == 0) {
			return new ChaosEvent("{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + "}", "global", factor);
		}
		if (kind <= 5) {
			String category = "C-" + (random.nextInt(ChaosCatalog.CATEGORIES) + 1);
			return new ChaosEvent(
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"category\":\"" + category + "\"}",
					"category:" + category, factor);
		}
		String product = ChaosCatalog.id(random.nextInt(EVENT_PRODUCTS));
		if (kind <= 8) {
			return new ChaosEvent(
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":" + factor + ",\"product_id\":\"" + product + "\"}",
					"product:" + product, factor);
		}
		String basePrice = BigDecimal.valueOf(1000 + random.nextInt(9000), 2).toPlainString();
		return new ChaosEvent(
				"{\"type\":\"BASE_PRICE\",\"product_id\":\"" + product + "\",\"base_price\":\"" + basePrice + "\"}",
				"base:" + product, basePrice);
	}

}
