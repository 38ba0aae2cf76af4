package dev.pricingengine.common.event;

/**
 * What a market event changes.
 */
public enum MarketEventType {

	/** A demand factor of the whole market, a category or a product. */
	DEMAND_FACTOR,

	/** A product's catalog base price. */
	BASE_PRICE,

	/** Nothing: every price is recalculated (the prototype's event). */
	RECALCULATE

}
