package dev.pricingengine.listener.bridge;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * UP while the listener is subscribed to the market events channel.
 */
@Component
class EventSubscriptionHealthIndicator implements HealthIndicator {

	private final EventBridge bridge;

	EventSubscriptionHealthIndicator(EventBridge bridge) {
		this.bridge = bridge;
	}

	@Override
	public Health health() {
		return this.bridge.isSubscribed() ? Health.up().build() : Health.down().build();
	}

}
