package dev.pricingengine.listener.bridge;

import java.util.Map;

import dev.pricingengine.common.heartbeat.HeartbeatDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

import org.springframework.stereotype.Component;

/** This listener's events so far by outcome (bridged, duplicate…), for its heartbeat. */
@Component
class BridgedEvents implements HeartbeatDetails {

	private final MeterRegistry meters;

	BridgedEvents(MeterRegistry meters) {
		this.meters = meters;
	}

	@Override
	public void describe(Map<String, Object> status) {
		for (Counter counter : Search.in(this.meters).name("pricing.listener.events").counters()) {
			status.put("events_" + counter.getId().getTag("outcome"), (long) counter.count());
		}
	}

}
