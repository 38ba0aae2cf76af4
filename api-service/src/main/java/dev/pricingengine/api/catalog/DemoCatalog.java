package dev.pricingengine.api.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

import dev.pricingengine.common.catalog.Product;
import reactor.core.publisher.Flux;

/**
 * A deterministic demo catalog: products {@code P-1}…{@code P-N} spread round-robin over
 * categories {@code C-1}…{@code C-20}, base prices from 5.00 to 999.99 drawn from a fixed
 * hash of the index, floors at 80% and ceilings at 150% of the base price.
 */
final class DemoCatalog {

	static final int CATEGORIES = 20;

	private static final BigDecimal FLOOR_RATIO = new BigDecimal("0.80");

	private static final BigDecimal CEILING_RATIO = new BigDecimal("1.50");

	private DemoCatalog() {
	}

	static Flux<Product> products(int size) {
		return Flux.range(1, size).map(DemoCatalog::product);
	}

	static Product product(int index) {
		long cents = 500 + Math.floorMod(mix(index), 99_500L);
		BigDecimal base = BigDecimal.valueOf(cents, 2);
		return new Product("P-" + index, "C-" + ((index - 1) % CATEGORIES + 1), base,
				base.multiply(FLOOR_RATIO).setScale(2, RoundingMode.HALF_EVEN),
				base.multiply(CEILING_RATIO).setScale(2, RoundingMode.HALF_EVEN));
	}

	/** SplitMix64 finalizer: a fixed, well-spread hash of the index. */
	private static long mix(long value) {
		long z = value * 0x9E3779B97F4A7C15L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
