package dev.pricingengine.api.catalog;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The catalog has no product with the requested id (404).
 */
public class ProductNotFoundException extends ErrorResponseException {

	public ProductNotFoundException(String productId) {
		super(HttpStatus.NOT_FOUND, problem(productId), null);
	}

	private static ProblemDetail problem(String productId) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
				"No product '" + productId + "' in the catalog");
		problem.setTitle("Unknown product");
		problem.setType(URI.create("urn:pricing:problem:unknown-product"));
		problem.setProperty("product_id", productId);
		return problem;
	}

}
