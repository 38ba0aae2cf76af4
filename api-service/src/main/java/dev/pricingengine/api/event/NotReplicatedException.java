package dev.pricingengine.api.event;

import java.time.Duration;

import dev.pricingengine.api.system.ProblemException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * Fewer replicas than {@code pricing.events.min-replicas} acknowledged a published event
 * in time (503, retryable): a failover now could lose it, so it is not accepted. It may
 * still be applied; publishing it again is safe, since an event sets a value and the
 * newer sequence wins.
 */
class NotReplicatedException extends ProblemException {

	NotReplicatedException(String eventId, long replicas, int required, Duration timeout) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "not-replicated", "Event not replicated",
				"Only " + replicas + " of the " + required + " replica(s) required acknowledged the event within "
						+ timeout.toMillis() + " ms, so a failover could lose it: it was not accepted. It may still "
						+ "be applied; publishing it again is safe. Retry shortly.");
		with("event_id", eventId);
		with("replicas", replicas);
		with("required_replicas", required);
		getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
	}

}
