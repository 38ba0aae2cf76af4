package dev.pricingengine.listener.bridge;

import java.time.Duration;

import jakarta.validation.Valid;
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
 * @param redelivery bridging of published events whose receivers all died first
 */
@Validated
@ConfigurationProperties("pricing.listener")
record ListenerProperties(@DefaultValue("24h") @NotNull Duration dedupeTtl,
		@DefaultValue("24h") @NotNull Duration jobRetention, @DefaultValue @Valid Redelivery redelivery) {

	ListenerProperties {
		requirePositive("dedupe-ttl", dedupeTtl);
		requirePositive("job-retention", jobRetention);
		requirePositive("redelivery.after", redelivery.after());
		requirePositive("redelivery.interval", redelivery.interval());
	}

	private static void requirePositive(String name, Duration duration) {
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException("pricing.listener." + name + " must be positive");
		}
	}

	/**
	 * Bridging of events still unbridged a while after they were published (Pub/Sub does
	 * not redeliver).
	 *
	 * @param after how old an unbridged event must be before listeners bridge it from the
	 * unbridged set (well above the normal bridge delay; bridging twice is harmless)
	 * @param interval how often each listener looks for such events
	 */
	record Redelivery(@DefaultValue("5s") @NotNull Duration after, @DefaultValue("1s") @NotNull Duration interval) {

	}

}
