package dev.pricingengine.api.event;

import dev.pricingengine.api.system.ProblemException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * No listener received a published event (503, retryable): nothing will bridge it to the
 * job stream, so it is not accepted.
 */
class NoListenerException extends ProblemException {

	NoListenerException(String eventId, String channel) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "no-listener", "No event listener",
				"No listener is subscribed to '" + channel + "'; the event was not accepted. Retry shortly.");
		with("event_id", eventId);
		getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
	}

}
