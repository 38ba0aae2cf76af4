package dev.pricingengine.api.catalog;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A catalog import held an entry that is not a valid product (400); nothing was imported.
 */
class InvalidCatalogEntryException extends ErrorResponseException {

	InvalidCatalogEntryException(long index, String reason) {
		super(HttpStatus.BAD_REQUEST, problem(index, reason), null);
	}

	private static ProblemDetail problem(long index, String reason) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"Catalog entry " + index + " is invalid: " + reason + ". Nothing was imported.");
		problem.setTitle("Invalid catalog entry");
		problem.setType(URI.create("urn:pricing:problem:invalid-catalog-entry"));
		problem.setProperty("index", index);
		return problem;
	}

}
