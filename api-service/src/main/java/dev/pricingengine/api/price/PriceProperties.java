package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Read-path settings.
 *
 * @param cacheTtl how long a computed market price stays cached in Redis
 * @param regions price factor per caller location (case-insensitive); 1 where not listed
 * @param localCache the in-process cache kept fresh by Redis client tracking
 */
@Validated
@ConfigurationProperties("pricing.price")
record PriceProperties(@DefaultValue("1h") @NotNull Duration cacheTtl,
		@DefaultValue Map<String, @NotNull @Positive BigDecimal> regions, @DefaultValue @Valid LocalCache localCache) {

	PriceProperties {
		if (cacheTtl.isNegative() || cacheTtl.isZero()) {
			throw new IllegalArgumentException("pricing.price.cache-ttl must be positive");
		}
		regions = normalized(regions);
	}

	BigDecimal regionFactor(String location) {
		if (location == null) {
			return BigDecimal.ONE;
		}
		return this.regions.getOrDefault(location.toUpperCase(Locale.ROOT), BigDecimal.ONE);
	}

	private static Map<String, BigDecimal> normalized(Map<String, BigDecimal> regions) {
		Map<String, BigDecimal> byUpperCase = new HashMap<>();
		regions.forEach((location, factor) -> byUpperCase.put(location.toUpperCase(Locale.ROOT), factor));
		return Map.copyOf(byUpperCase);
	}

	/**
	 * @param enabled whether hot prices are served from memory (Redis invalidates them
	 * the moment they are rewritten)
	 * @param maxEntries most prices held in memory
	 */
	record LocalCache(@DefaultValue("true") boolean enabled,
			@DefaultValue("100000") @Positive @Max(10_000_000) int maxEntries) {

	}

}
