package dev.pricingengine.common.market;

/**
 * Field names inside the market state hash ({@code RedisKeys#market()}). Each factor
 * field has a companion {@code <field>:seq} field holding the sequence of the event that
 * set it.
 */
public final class MarketStateFields {

	/** Revision counter, incremented by every change of market state. */
	public static final String REVISION = "rev";

	public static final String GLOBAL = "global";

	private MarketStateFields() {
	}

	public static String category(String category) {
		return "category:" + category;
	}

	public static String product(String productId) {
		return "product:" + productId;
	}

	public static String sequenceOf(String factorField) {
		return factorField + ":seq";
	}

}
