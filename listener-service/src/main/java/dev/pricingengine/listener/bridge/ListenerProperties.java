package dev.pricingengine.listener.bridge;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Bridge settings.
 *
 * @param dedupeTtl how long an event id is remembered as bridged (a duplicate delivered
 * later than this would be bridged again)
 * @param jobRetention how long a job's status is kept
 */
@Validated
@ConfigurationProperties("pricing.listener")
record ListenerProperties(@DefaultValue("24h") @NotNull Duration dedupeTtl,
		@DefaultValue("24h") @NotNull Duration jobRetention) {

	ListenerProperties {
		if (dedupeTtl.isNegative() || dedupeTtl.isZero() || jobRetention.isNegative() || jobRetention.isZero()) {
			throw new IllegalArgumentException("pricing.listener.dedupe-ttl and job-retention must be positive");
		}
	}

}
