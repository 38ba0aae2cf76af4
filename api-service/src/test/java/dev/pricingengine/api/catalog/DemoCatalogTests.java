package dev.pricingengine.api.catalog;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

import dev.pricingengine.common.catalog.Product;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCatalogTests {

	@Test
	void isTheSameCatalogEveryTime() {
		List<Product> first = DemoCatalog.products(1000).collectList().block();
		List<Product> second = DemoCatalog.products(1000).collectList().block();
		assertThat(first).hasSize(1000).isEqualTo(second);
		assertThat(first.get(0).id()).isEqualTo("P-1");
		assertThat(first.get(999).id()).isEqualTo("P-1000");
	}

	@Test
	void spreadsProductsEvenlyOverTwentyCategories() {
		var perCategory = DemoCatalog.products(2000)
			.collectList()
			.block()
			.stream()
			.collect(Collectors.groupingBy(Product::category, Collectors.counting()));
		assertThat(perCategory).hasSize(20).containsEntry("C-1", 100L).containsEntry("C-20", 100L);
	}

	@Test
	void pricesMakeSense() {
		for (Product product : DemoCatalog.products(5000).toIterable()) {
			assertThat(product.basePrice()).isBetween(new BigDecimal("5.00"), new BigDecimal("999.99"));
			assertThat(product.floorPrice()).isLessThan(product.basePrice());
			assertThat(product.ceilingPrice()).isGreaterThan(product.basePrice());
		}
		long distinctPrices = DemoCatalog.products(5000).map(Product::basePrice).distinct().count().block();
		assertThat(distinctPrices).isGreaterThan(4000);
	}

}
