package dev.pricingengine.api.event;

import java.math.BigDecimal;

import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Body of {@code POST /api/v1/publish-market-event}; an empty body means
 * {@code RECALCULATE}.
 *
 * @param type what the event changes
 * @param factor new demand factor ({@code DEMAND_FACTOR})
 * @param category narrows a demand factor to a category
 * @param productId narrows a demand factor to a product, or names the product of a
 * {@code BASE_PRICE}
 * @param basePrice new base price ({@code BASE_PRICE})
 */
record PublishEventRequest(@Schema(example = "DEMAND_FACTOR") MarketEventType type,
		@Schema(ref = OpenApiConfiguration.DECIMAL) BigDecimal factor, @Schema(example = "C-7") String category,
		@Schema(example = "P-42") String productId, @Schema(ref = OpenApiConfiguration.DECIMAL) BigDecimal basePrice) {

	/**
	 * The event this request describes.
	 * @throws IllegalArgumentException if the fields do not form a valid event
	 */
	MarketEvent toEvent() {
		return new MarketEvent(this.type, this.factor, this.category, this.productId, this.basePrice);
	}

}
