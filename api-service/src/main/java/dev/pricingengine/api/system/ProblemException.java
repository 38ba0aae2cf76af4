package dev.pricingengine.api.system;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * An error answered as an RFC 9457 problem detail with a
 * {@code urn:pricing:problem:<type>} type, a title, a detail and optional extra
 * properties.
 */
public class ProblemException extends ErrorResponseException {

	public ProblemException(HttpStatus status, String type, String title, String detail) {
		this(status, type, title, detail, null);
	}

	public ProblemException(HttpStatus status, String type, String title, String detail, Throwable cause) {
		super(status, problem(status, type, title, detail), cause);
	}

	/**
	 * Adds a property to the problem detail.
	 * @param name the property name
	 * @param value its value
	 * @return this exception
	 */
	public ProblemException with(String name, Object value) {
		getBody().setProperty(name, value);
		return this;
	}

	static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setType(URI.create("urn:pricing:problem:" + type));
		return problem;
	}

}
