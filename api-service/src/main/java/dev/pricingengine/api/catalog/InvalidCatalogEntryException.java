package dev.pricingengine.api.catalog;

import dev.pricingengine.api.system.ProblemException;

import org.springframework.http.HttpStatus;

/**
 * A catalog import held an entry that is not a valid product (400); nothing was imported.
 */
class InvalidCatalogEntryException extends ProblemException {

	InvalidCatalogEntryException(long index, String reason) {
		super(HttpStatus.BAD_REQUEST, "invalid-catalog-entry", "Invalid catalog entry",
				"Catalog entry " + index + " is invalid: " + reason + ". Nothing was imported.");
		with("index", index);
	}

}
