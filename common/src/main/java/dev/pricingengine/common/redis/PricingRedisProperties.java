package dev.pricingengine.common.redis;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings shared by every service that talks to the pricing data in Redis.
 *
 * @param keyPrefix prefix of every key the engine reads or writes
 * @param eventsChannel Pub/Sub channel market events are published on
 */
@Validated
@ConfigurationProperties("pricing.redis")
public record PricingRedisProperties(@DefaultValue("pricing:") @NotBlank @Pattern(regexp = "[A-Za-z0-9._:-]{1,64}",
		message = "must be 1-64 characters of letters, digits and . _ : - (no braces: the keys carry their own hash tags)") String keyPrefix,
		@DefaultValue("market_events") @NotBlank String eventsChannel) {

}
