package dev.pricingengine.api.event;

import java.net.URI;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No listener received a published event (503, retryable): nothing will bridge it to the
 * job stream, so it is not accepted.
 */
class NoListenerException extends ErrorResponseException {

	NoListenerException(String eventId, String channel) {
		super(HttpStatus.SERVICE_UNAVAILABLE, problem(eventId, channel), null);
		getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
	}

	private static ProblemDetail problem(String eventId, String channel) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"No listener is subscribed to '" + channel + "'; the event was not accepted. Retry shortly.");
		problem.setTitle("No event listener");
		problem.setType(URI.create("urn:pricing:problem:no-listener"));
		problem.setProperty("event_id", eventId);
		return problem;
	}

}
