package dev.pricingengine.api.event;

import java.math.BigDecimal;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Publishing settings.
 *
 * @param minFactor smallest demand factor accepted
 * @param maxFactor largest demand factor accepted
 */
@Validated
@ConfigurationProperties("pricing.events")
record EventProperties(@DefaultValue("0.01") @NotNull @Positive BigDecimal minFactor,
		@DefaultValue("100") @NotNull @Positive BigDecimal maxFactor) {

	EventProperties {
		if (minFactor.compareTo(maxFactor) > 0) {
			throw new IllegalArgumentException("pricing.events.min-factor must not exceed pricing.events.max-factor");
		}
	}

}
