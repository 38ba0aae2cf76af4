package dev.pricingengine.api.price;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a served market price came from.
 */
enum PriceSource {

	/** Computed earlier and read from the cache. */
	CACHE,

	/** Computed for this request from the catalog and the market state. */
	LIVE;

	@JsonValue
	String json() {
		return name().toLowerCase(Locale.ROOT);
	}

}
