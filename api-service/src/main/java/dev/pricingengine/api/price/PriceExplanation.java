package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * Why a product's market price is what it is: its catalog inputs, each demand factor that
 * applies with the event that set it, the price the pricing rule gives for them now, and
 * the stored market price with when and by which fencing token it was written.
 *
 * @param productId the product
 * @param category its category
 * @param basePrice its base price
 * @param floorPrice lowest market price allowed
 * @param ceilingPrice highest market price allowed
 * @param factors the global, category and product demand factors, in that order
 * @param rulePrice the market price the pricing rule gives for these inputs
 * @param stored the stored market price, or null if none is stored (the next read
 * computes it)
 */
record PriceExplanation(@Schema(requiredMode = RequiredMode.REQUIRED, example = "P-42") String productId,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "C-7") String category,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "12.50") BigDecimal basePrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "9.00") BigDecimal floorPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "20.00") BigDecimal ceilingPrice,
		@Schema(requiredMode = RequiredMode.REQUIRED) List<Factor> factors,
		@Schema(requiredMode = RequiredMode.REQUIRED, example = "13.75") BigDecimal rulePrice, StoredPrice stored) {

	/**
	 * A demand factor that applies to the product.
	 *
	 * @param scope {@code global}, {@code category} or {@code product}
	 * @param field the market state's field ({@code global}, {@code category:C-7},
	 * {@code product:P-42})
	 * @param value the factor (1 when no event set it)
	 * @param sequence the sequence of the event that set it, or null if none did
	 */
	record Factor(@Schema(requiredMode = RequiredMode.REQUIRED, example = "category") String scope,
			@Schema(requiredMode = RequiredMode.REQUIRED, example = "category:C-7") String field,
			@Schema(requiredMode = RequiredMode.REQUIRED, example = "1.10") BigDecimal value, Long sequence) {

	}

	/**
	 * The stored market price.
	 *
	 * @param price the market price
	 * @param basePrice the base price it was computed from
	 * @param computedAt when it was computed
	 * @param fencingToken the fencing token of the worker that wrote it; 0 for a price
	 * the read path computed and wrote back
	 */
	record StoredPrice(@Schema(requiredMode = RequiredMode.REQUIRED) BigDecimal price,
			@Schema(requiredMode = RequiredMode.REQUIRED) BigDecimal basePrice,
			@Schema(requiredMode = RequiredMode.REQUIRED) Instant computedAt,
			@Schema(requiredMode = RequiredMode.REQUIRED) long fencingToken) {

	}

}
