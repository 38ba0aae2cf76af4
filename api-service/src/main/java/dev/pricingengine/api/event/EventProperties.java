package dev.pricingengine.api.event;

import java.math.BigDecimal;
import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Publishing settings.
 *
 * @param minFactor smallest demand factor accepted
 * @param maxFactor largest demand factor accepted
 * @param minReplicas replicas that must have an accepted event before it is answered 202
 * ({@code WAIT}), so that a failover to one of them cannot lose it; 0 (default) answers
 * once the primary has it
 * @param replicaTimeout how long a publish waits for them before it answers 503
 */
@Validated
@ConfigurationProperties("pricing.events")
record EventProperties(@DefaultValue("0.01") @NotNull @Positive BigDecimal minFactor,
		@DefaultValue("100") @NotNull @Positive BigDecimal maxFactor,
		@DefaultValue("0") @PositiveOrZero int minReplicas, @DefaultValue("1s") @NotNull Duration replicaTimeout) {

	EventProperties {
		if (minFactor.compareTo(maxFactor) > 0) {
			throw new IllegalArgumentException("pricing.events.min-factor must not exceed pricing.events.max-factor");
		}
		if (replicaTimeout.toMillis() <= 0) {
			throw new IllegalArgumentException("pricing.events.replica-timeout must be at least 1ms");
		}
	}

}
