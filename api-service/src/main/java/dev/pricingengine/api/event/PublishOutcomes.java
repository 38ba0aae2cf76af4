package dev.pricingengine.api.event;

import java.util.Map;

import dev.pricingengine.common.heartbeat.HeartbeatDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;

import org.springframework.stereotype.Component;

/**
 * This replica's answers to {@code POST /api/v1/publish-market-event} for its heartbeat:
 * events accepted (202) and refused (any other answer of the endpoint: bad input, rate
 * limit, no listener, Redis away), counted by Spring's {@code http.server.requests}. A
 * request without a valid key is refused before it reaches the endpoint and is not
 * counted.
 */
@Component
class PublishOutcomes implements HeartbeatDetails {

	private final MeterRegistry meters;

	PublishOutcomes(MeterRegistry meters) {
		this.meters = meters;
	}

	@Override
	public void describe(Map<String, Object> status) {
		long accepted = 0;
		long refused = 0;
		for (Timer timer : Search.in(this.meters)
			.name("http.server.requests")
			.tag("uri", "/api/v1/publish-market-event")
			.timers()) {
			if ("202".equals(timer.getId().getTag("status"))) {
				accepted += timer.count();
			}
			else {
				refused += timer.count();
			}
		}
		status.put("events_accepted", accepted);
		status.put("events_refused", refused);
	}

}
