package dev.pricingengine.common.heartbeat;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How often instances announce themselves, and how long one that stopped announcing
 * itself without a goodbye (killed) stays listed as last seen.
 *
 * @param enabled whether this instance announces itself
 * @param interval time between heartbeats; an instance is alive while its last one is
 * younger than three intervals
 * @param retention how long an instance no longer seen stays listed
 */
@ConfigurationProperties("pricing.heartbeat")
@Validated
public record HeartbeatProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("1s") @NotNull @DurationMin(millis = 10) Duration interval,
		@DefaultValue("1h") @NotNull Duration retention) {

}
