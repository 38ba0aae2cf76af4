package dev.pricingengine.api.system;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The error statuses an operation answers, each an RFC 9457 problem detail
 * ({@code application/problem+json}); the OpenAPI document declares them
 * ({@link OpenApiConfiguration}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ProblemResponses {

	/**
	 * The statuses.
	 * @return HTTP status codes, 4xx and 5xx
	 */
	int[] value();

}
