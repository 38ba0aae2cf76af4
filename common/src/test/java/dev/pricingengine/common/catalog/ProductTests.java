package dev.pricingengine.common.catalog;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProductTests {

	@Test
	void keepsMoneyAtScaleTwo() {
		Product product = product("P-1", "10", "8.5", "15.00");
		assertThat(product.basePrice()).isEqualTo(new BigDecimal("10.00"));
		assertThat(product.floorPrice()).isEqualTo(new BigDecimal("8.50"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "P 1", "P/1", "-P1", "P{1}", "P:1" })
	void rejectsIdsUnsafeForKeysAndUrls(String id) {
		assertThatIllegalArgumentException().isThrownBy(() -> product(id, "10", "8", "15"))
			.withMessageContaining("product id");
	}

	@Test
	void checksIdsExactlyAsTheDocumentedPatternDoes() {
		Pattern pattern = Pattern.compile(Product.ID_REGEX);
		List<String> ids = new ArrayList<>(List.of("", "P".repeat(64), "P".repeat(65), "Ünï", "P-1\n"));
		for (char c = 0; c < 256; c++) {
			ids.addAll(List.of(String.valueOf(c), "P" + c, c + "1", "P-" + c + "x"));
		}
		for (String id : ids) {
			assertThat(Product.isValidId(id)).as("'%s'", id).isEqualTo(pattern.matcher(id).matches());
		}
	}

	@Test
	void rejectsIdsLongerThan64Characters() {
		assertThatIllegalArgumentException().isThrownBy(() -> product("P".repeat(65), "10", "8", "15"));
		assertThat(product("P".repeat(64), "10", "8", "15").id()).hasSize(64);
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "-1", "10.001", "1000000000.01" })
	void rejectsPricesThatAreNotPositiveMoney(String base) {
		assertThatIllegalArgumentException().isThrownBy(() -> product("P-1", base, "8", "15"))
			.withMessageContaining("base_price");
	}

	@Test
	void rejectsFloorAboveCeiling() {
		assertThatIllegalArgumentException().isThrownBy(() -> product("P-1", "10", "16", "15"))
			.withMessageContaining("floor_price must not exceed ceiling_price");
	}

	@Test
	void rejectsMissingPrice() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Product("P-1", "C-1", null, BigDecimal.ONE, BigDecimal.TEN))
			.withMessageContaining("base_price is required");
	}

	@Test
	void codecRoundTripsThroughHashFields() {
		Product product = product("P-1", "10.5", "8", "15");
		Map<String, String> hash = ProductCodec.toHash(product);
		assertThat(hash).containsEntry("base_price", "10.50").containsEntry("category", "C-1");
		assertThat(ProductCodec.fromHash("P-1", hash)).isEqualTo(product);
	}

	@Test
	void codecRejectsIncompleteEntries() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProductCodec.fromValues("P-1", Arrays.asList("C-1", "10", null, "15")))
			.withMessageContaining("Incomplete catalog entry");
		assertThatIllegalArgumentException().isThrownBy(() -> ProductCodec.fromValues("P-1", List.of("C-1")));
	}

	private static Product product(String id, String base, String floor, String ceiling) {
		return new Product(id, "C-1", new BigDecimal(base), new BigDecimal(floor), new BigDecimal(ceiling));
	}

}
