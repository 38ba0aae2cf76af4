package dev.pricingengine.api.console;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The operators' console.
 *
 * @param jaegerUrl where a job's trace is opened ({@code <jaeger-url>/trace/<trace_id>})
 * @param refresh time between two snapshots of the live overview
 */
@ConfigurationProperties("pricing.console")
@Validated
record ConsoleProperties(@DefaultValue("http://localhost:16686") @NotNull URI jaegerUrl,
		@DefaultValue("1s") @NotNull @DurationMin(millis = 100) Duration refresh) {

}
