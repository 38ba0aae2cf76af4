package dev.pricingengine.api.security;

import java.util.List;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may change state or trigger work through the API.
 *
 * @param apiKeys accepted values of the {@code X-API-Key} header, each either the key
 * itself or {@code sha256:} and the hex SHA-256 of the key (preferred: the configuration
 * then holds no secret); none configured means every write is refused
 * @param publishRatePerSecond events one key may publish per second, counted in Redis so
 * that all API replicas share the limit
 */
@Validated
@ConfigurationProperties("pricing.security")
public record ApiKeyProperties(@DefaultValue List<String> apiKeys,
		@DefaultValue("100") @Min(1) @Max(1_000_000) int publishRatePerSecond) {

}
