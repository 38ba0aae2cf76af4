package dev.pricingengine.api.catalog;

import dev.pricingengine.api.system.ProblemException;

import org.springframework.http.HttpStatus;

/**
 * The catalog has no product with the requested id (404).
 */
public class ProductNotFoundException extends ProblemException {

	public ProductNotFoundException(String productId) {
		super(HttpStatus.NOT_FOUND, "unknown-product", "Unknown product",
				"No product '" + productId + "' in the catalog");
		with("product_id", productId);
	}

}
