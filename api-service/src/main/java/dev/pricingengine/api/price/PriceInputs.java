package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.market.DemandFactors;

/**
 * What the pricing rule needs for one product, read in one round trip, with the revisions
 * that guard the write-back.
 *
 * @param product the catalog entry
 * @param factors the demand factors that apply to it
 * @param productRevision revision of the catalog entry
 * @param marketRevision revision of the market state
 * @param readAt Redis server time of the read
 */
record PriceInputs(Product product, DemandFactors factors, String productRevision, String marketRevision,
		Instant readAt) {

	private static final int FIELDS = 11;

	/** Decodes the reply of {@code read-price-inputs.lua}. */
	static PriceInputs fromScriptReply(String productId, List<Object> reply) {
		if (reply.size() != FIELDS) {
			throw new IllegalStateException("Unexpected reply of read-price-inputs.lua: " + reply);
		}
		List<String> values = reply.stream().map(String::valueOf).toList();
		Product product = ProductCodec.fromValues(productId, values.subList(0, 4));
		DemandFactors factors = new DemandFactors(factor(values.get(5)), factor(values.get(6)), factor(values.get(7)));
		Instant readAt = Instant.ofEpochSecond(Long.parseLong(values.get(9)), Long.parseLong(values.get(10)) * 1000);
		return new PriceInputs(product, factors, values.get(4), values.get(8), readAt);
	}

	private static BigDecimal factor(String stored) {
		return stored.isEmpty() ? BigDecimal.ONE : new BigDecimal(stored);
	}

}
