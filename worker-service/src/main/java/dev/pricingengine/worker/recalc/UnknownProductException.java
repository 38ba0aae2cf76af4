package dev.pricingengine.worker.recalc;

/**
 * A base-price event names a product the catalog does not have; retrying cannot help.
 */
public class UnknownProductException extends RuntimeException {

	UnknownProductException(String productId) {
		super("No product '" + productId + "' in the catalog");
	}

}
