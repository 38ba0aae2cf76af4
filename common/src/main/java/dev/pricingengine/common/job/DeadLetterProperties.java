package dev.pricingengine.common.job;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Dead-letter settings shared by the services that write, trim and replay dead letters.
 *
 * @param retention how long a dead letter is kept (and can be replayed), with its job's
 * status: an operator has this long to look at it
 */
@Validated
@ConfigurationProperties("pricing.dead-letters")
public record DeadLetterProperties(@DefaultValue("7d") @NotNull Duration retention) {

	public DeadLetterProperties {
		if (retention.isNegative() || retention.isZero()) {
			throw new IllegalArgumentException("pricing.dead-letters.retention must be positive");
		}
	}

}
