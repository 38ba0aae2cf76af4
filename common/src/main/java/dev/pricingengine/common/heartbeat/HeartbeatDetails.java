package dev.pricingengine.common.heartbeat;

import java.util.Map;

/**
 * What an instance says about itself in its heartbeat, besides its service, id and start:
 * its counters and the work it is doing now, as the operators' console shows them.
 */
@FunctionalInterface
public interface HeartbeatDetails {

	/**
	 * Adds this component's fields (snake_case names, JSON values) to the status.
	 * @param status the status being written
	 */
	void describe(Map<String, Object> status);

}
