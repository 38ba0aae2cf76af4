package dev.pricingengine.api.catalog;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Catalog settings.
 *
 * @param demoSize products in the demo catalog seeded into an empty catalog (0 disables)
 * @param maxImportSize largest catalog import body accepted
 */
@Validated
@ConfigurationProperties("pricing.catalog")
record CatalogProperties(@DefaultValue("10000") @Min(0) @Max(10_000_000) int demoSize,
		@DefaultValue("512MB") @NotNull DataSize maxImportSize) {

}
