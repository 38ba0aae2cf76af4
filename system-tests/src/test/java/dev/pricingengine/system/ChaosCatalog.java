package dev.pricingengine.system;

import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chaos suite's own copy of the catalog: products {@code P-chaos-0 …}, product
 * {@code i} in category {@code C-(i % 20 + 1)}, with pricing inputs that depend on the
 * generation of the import that wrote them. It records which generations each product may
 * hold from what the imports were answered: an import answered 200 replaced them, one
 * without a clear answer (a timeout, a 5xx while Redis was down) may or may not have (it
 * is applied in chunks).
 */
final class ChaosCatalog {

	static final int CATEGORIES = 20;

	private static final BigDecimal FLOOR = new BigDecimal("0.80");

	private static final BigDecimal CEILING = new BigDecimal("1.50");

	private final int size;

	/** Per product: the generation of the last import answered 200. */
	private final int[] confirmed;

	/** Per product: the generations of imports that got no clear answer. */
	private final List<Set<Integer>> unconfirmed;

	ChaosCatalog(int size) {
		this.size = size;
		this.confirmed = new int[size];
		this.unconfirmed = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			this.unconfirmed.add(ConcurrentHashMap.newKeySet());
		}
	}

	int size() {
		return this.size;
	}

	static String id(int index) {
		return "P-chaos-" + index;
	}

	static String category(int index) {
		return "C-" + (index % CATEGORIES + 1);
	}

	/**
	 * A random choice of products, spread over every category.
	 * @param random where the choice comes from
	 * @param count how many
	 * @param from the first index that may be chosen
	 * @return their indexes, in ascending order
	 */
	List<Integer> sample(Random random, int count, int from) {
		return random.ints(from, this.size).distinct().limit(count).sorted().boxed().toList();
	}

	/**
	 * The pricing inputs an import of a generation writes for a product.
	 * @return base, floor and ceiling price
	 */
	static BigDecimal[] inputs(int index, int generation) {
		BigDecimal base = BigDecimal.valueOf(((long) index * 7 + (long) generation * 131) % 90_000 + 500, 2);
		return new BigDecimal[] { base, base.multiply(FLOOR).setScale(2, RoundingMode.HALF_EVEN),
				base.multiply(CEILING).setScale(2, RoundingMode.HALF_EVEN) };
	}

	/** NDJSON of the products at a generation, produced as it is read. */
	static InputStream ndjson(List<Integer> indexes, int generation) {
		return Catalogs.lines(indexes.stream().map((i) -> {
			BigDecimal[] inputs = inputs(i, generation);
			return "{\"product_id\":\"" + id(i) + "\",\"category\":\"" + category(i) + "\",\"base_price\":\""
					+ inputs[0] + "\",\"floor_price\":\"" + inputs[1] + "\",\"ceiling_price\":\"" + inputs[2] + "\"}\n";
		}));
	}

	/** An import of these products at this generation was answered 200. */
	void imported(List<Integer> indexes, int generation) {
		indexes.forEach((i) -> this.confirmed[i] = generation);
	}

	/**
	 * An import got no clear answer: each product may hold this generation, now or later
	 * (the API may still be applying it when a later import is answered).
	 */
	void maybeImported(List<Integer> indexes, int generation) {
		indexes.forEach((i) -> this.unconfirmed.get(i).add(generation));
	}

	/** The generations a product may hold. */
	Set<Integer> allowed(int index) {
		Set<Integer> generations = new TreeSet<>(this.unconfirmed.get(index));
		generations.add(this.confirmed[index]);
		return generations;
	}

}
