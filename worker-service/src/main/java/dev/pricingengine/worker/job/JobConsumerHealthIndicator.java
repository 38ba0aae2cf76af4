package dev.pricingengine.worker.job;

import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * DOWN while a consumer cannot read the job stream (in the readiness group): a worker
 * that cannot consume takes no work, however well its connection to Redis answers
 * {@code PING}.
 */
@Component
class JobConsumerHealthIndicator implements HealthIndicator {

	private final JobStreamConsumer consumer;

	JobConsumerHealthIndicator(JobStreamConsumer consumer) {
		this.consumer = consumer;
	}

	@Override
	public Health health() {
		Map<String, String> failing = this.consumer.failingConsumers();
		return failing.isEmpty() ? Health.up().build() : Health.down().withDetails(Map.copyOf(failing)).build();
	}

}
