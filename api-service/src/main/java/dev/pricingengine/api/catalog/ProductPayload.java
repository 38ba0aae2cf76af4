package dev.pricingengine.api.catalog;

import java.math.BigDecimal;

import dev.pricingengine.common.catalog.Product;

/**
 * A product as clients send and read it. Prices may be JSON numbers or strings.
 *
 * @param productId product id
 * @param category category id
 * @param basePrice list price before market factors
 * @param floorPrice lowest market price allowed
 * @param ceilingPrice highest market price allowed
 */
record ProductPayload(String productId, String category, BigDecimal basePrice, BigDecimal floorPrice,
		BigDecimal ceilingPrice) {

	static ProductPayload of(Product product) {
		return new ProductPayload(product.id(), product.category(), product.basePrice(), product.floorPrice(),
				product.ceilingPrice());
	}

	/**
	 * The product this payload describes.
	 * @throws IllegalArgumentException if it is not a valid product
	 */
	Product toProduct() {
		return new Product(this.productId, this.category, this.basePrice, this.floorPrice, this.ceilingPrice);
	}

}
