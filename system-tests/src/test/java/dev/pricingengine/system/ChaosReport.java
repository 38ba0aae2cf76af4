package dev.pricingengine.system;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.system.ChaosHistory.Fault;
import dev.pricingengine.system.ChaosHistory.Outcome;
import dev.pricingengine.system.ChaosHistory.Published;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos suite's checker: judges what it finds in Redis and what the API replicas
 * serve against the suite's own history alone, with its own copy of the pricing rule.
 * <ul>
 * <li>every market-state field and base price is the value of the newest accepted event
 * that set it (by the sequence the 202 answered), or of an event whose answer was lost
 * (it may have been applied, at any sequence); one no accepted event set holds its
 * initial value or such a lost one;</li>
 * <li>every product of the suite's catalog holds the inputs of an import it may hold (the
 * last one answered 200, or one without an answer), in its product hash and in its
 * category's hash;</li>
 * <li>every product's stored price equals the rule over those inputs and factors (or is
 * absent when an import after the first dropped it and no pass came since: then what the
 * API serves for it does), and so does what each API replica serves for the products read
 * during the run and a sample of the others (from its in-memory tier where it holds
 * them);</li>
 * <li>no price write was accepted with a fencing token older than one already written
 * ({@link RedisWriteLog});</li>
 * <li>every fault did what it was meant to exercise.</li>
 * </ul>
 */
final class ChaosReport {

	private final long seed;

	/** The suite's Redis, as scripts/chaos.sh's {@code CHAOS_REDIS} names it. */
	private final String redis;

	private final int rounds;

	private final ChaosHistory history;

	private final ChaosCatalog catalog;

	final List<String> lost = new ArrayList<>();

	long succeeded;

	long coalesced;

	long deadLetteredAndReplayed;

	long redelivered;

	/**
	 * Workers that halted because a consumer of theirs made no progress (run-local.sh's
	 * "exited (status 70)"), each replaced.
	 */
	long stalledWorkers;

	/**
	 * Jobs whose lock lease lapsed before they released it (their own status says so).
	 */
	long lapsedHolds;

	final List<String> stateWrong = new ArrayList<>();

	final List<String> inputsWrong = new ArrayList<>();

	long pricesChecked;

	final List<String> pricesWrong = new ArrayList<>();

	/**
	 * Prices of imported products found, once the pass the import landed in and every
	 * other writer were done, not to follow the rule over the imported inputs.
	 */
	final List<String> pricesWrongAfterImports = new CopyOnWriteArrayList<>();

	/**
	 * Products without a stored price because a later import dropped it (as it does) and
	 * no pass covered them since: their served price must follow the rule.
	 */
	final Set<String> droppedByImports = new HashSet<>();

	long servedChecked;

	final List<String> servedWrong = new ArrayList<>();

	long writesSeen;

	List<String> staleWrites = List.of();

	long fenceRejections;

	/**
	 * Each partition's copy of the market state, as the checks found it, which the prices
	 * of the partition are then computed from.
	 */
	private List<Map<String, String>> markets = List.of();

	private final RedisKeys keys;

	private final Map<String, BigDecimal> expectedPrices = new HashMap<>();

	ChaosReport(long seed, int rounds, ChaosRedis redis, ChaosHistory history, ChaosCatalog catalog, RedisKeys keys) {
		this.redis = redis.kind().label();
		this.keys = keys;
		this.seed = seed;
		this.rounds = rounds;
		this.history = history;
		this.catalog = catalog;
	}

	/**
	 * The values a target may hold after everything settled: the newest accepted event's
	 * (or, with none, the initial value), and those of events whose answer was lost.
	 */
	Set<String> allowedValues(String target, String initial) {
		Set<String> allowed = new HashSet<>();
		Optional<Published> newest = this.history.published.stream()
			.filter((p) -> target.equals(p.event().target()) && p.outcome() == Outcome.OK)
			.max(Comparator.comparingLong(Published::sequence));
		allowed.add(newest.map((p) -> p.event().value()).orElse(initial));
		this.history.published.stream()
			.filter((p) -> target.equals(p.event().target()) && p.outcome() == Outcome.UNKNOWN)
			.forEach((p) -> allowed.add(p.event().value()));
		return allowed;
	}

	/** Checks each partition's copy of the market state against the history. */
	void marketState(List<Map<String, String>> markets) {
		this.markets = markets;
		for (int partition = 0; partition < markets.size(); partition++) {
			marketState(partition, markets.get(partition));
		}
	}

	/**
	 * Checks one partition's copy: the global and category factors (every partition's
	 * task applies them) and its own products' factors (only their partition's task
	 * does).
	 */
	private void marketState(int partition, Map<String, String> market) {
		Set<String> targets = new HashSet<>(List.of("global"));
		for (int c = 1; c <= ChaosCatalog.CATEGORIES; c++) {
			targets.add("category:C-" + c);
		}
		for (int i = 0; i < ChaosEvent.EVENT_PRODUCTS; i++) {
			if (this.keys.partitionOf(ChaosCatalog.id(i)) == partition) {
				targets.add("product:" + ChaosCatalog.id(i));
			}
		}
		for (String target : targets) {
			String found = market.get(target);
			Set<String> allowed = allowedValues(target, null);
			if (!allowed.contains(found) && !(found != null && allowedAsDecimal(allowed, found))) {
				this.stateWrong
					.add(target + " = " + found + " in partition " + partition + ", history allows " + allowed);
			}
		}
	}

	private static boolean allowedAsDecimal(Set<String> allowed, String found) {
		return allowed.stream()
			.filter((value) -> value != null)
			.anyMatch((value) -> new BigDecimal(value).compareTo(new BigDecimal(found)) == 0);
	}

	/**
	 * Checks every product's inputs (product hash and category entry) against the imports
	 * and base-price events of the history, and its stored price against the rule.
	 */
	void catalogAndPrices(RedisClusterAsyncCommands<String, String> async) {
		int chunk = 5_000;
		for (int first = 0; first < this.catalog.size(); first += chunk) {
			int last = Math.min(first + chunk, this.catalog.size());
			List<RedisFuture<List<KeyValue<String, String>>>> products = new ArrayList<>();
			List<RedisFuture<String>> entries = new ArrayList<>();
			List<RedisFuture<String>> prices = new ArrayList<>();
			for (int i = first; i < last; i++) {
				String id = ChaosCatalog.id(i);
				RedisKeys.Partition partition = this.keys.partitionFor(id);
				products
					.add(async.hmget(partition.product(id), "category", "base_price", "floor_price", "ceiling_price"));
				entries.add(async.hget(partition.category(ChaosCatalog.category(i)), id));
				prices.add(async.get(partition.price(id)));
			}
			for (int i = first; i < last; i++) {
				List<String> product = await(products.get(i - first)).stream()
					.map((value) -> value.getValueOrElse(null))
					.toList();
				checkProduct(i, product, await(entries.get(i - first)), await(prices.get(i - first)));
			}
		}
	}

	private void checkProduct(int index, List<String> product, String categoryEntry, String stored) {
		String id = ChaosCatalog.id(index);
		if (product.contains(null)) {
			this.inputsWrong.add(id + ": no complete catalog entry " + product);
			return;
		}
		BigDecimal base = new BigDecimal(product.get(1));
		BigDecimal floor = new BigDecimal(product.get(2));
		BigDecimal ceiling = new BigDecimal(product.get(3));
		boolean eventProduct = index < ChaosEvent.EVENT_PRODUCTS;
		boolean fromAnImport = this.catalog.allowed(index)
			.stream()
			.map((g) -> ChaosCatalog.inputs(index, g))
			.anyMatch((inputs) -> (eventProduct || inputs[0].compareTo(base) == 0) && inputs[1].compareTo(floor) == 0
					&& inputs[2].compareTo(ceiling) == 0);
		boolean baseFromHistory = !eventProduct || allowedAsDecimal(
				allowedValues("base:" + id, ChaosCatalog.inputs(index, 0)[0].toPlainString()), product.get(1));
		String inputs = product.get(1) + "|" + product.get(2) + "|" + product.get(3);
		if (!product.get(0).equals(ChaosCatalog.category(index)) || !fromAnImport || !baseFromHistory
				|| !inputs.equals(categoryEntry)) {
			this.inputsWrong.add(id + ": " + product + ", category entry " + categoryEntry + ", imports allow "
					+ this.catalog.allowed(index));
			return;
		}
		BigDecimal expected = rule(index, new BigDecimal[] { base, floor, ceiling },
				this.markets.get(this.keys.partitionOf(id)));
		this.expectedPrices.put(id, expected);
		this.pricesChecked++;
		if (stored == null && this.catalog.allowed(index).stream().anyMatch((generation) -> generation > 0)) {
			// an import after the first dropped it, and no pass wrote it since: the next
			// read prices it (checked with the served prices)
			this.droppedByImports.add(id);
		}
		else if (stored == null || new BigDecimal(stored.substring(0, stored.indexOf('|'))).compareTo(expected) != 0) {
			this.pricesWrong.add(id + ": stored " + stored + ", rule " + expected);
		}
	}

	/**
	 * The suite's own copy of the pricing rule.
	 * @param index the product
	 * @param inputs its base, floor and ceiling price
	 * @param market the market state's fields
	 * @return its market price
	 */
	static BigDecimal rule(int index, BigDecimal[] inputs, Map<String, String> market) {
		return inputs[0].multiply(factor(market, "global"))
			.multiply(factor(market, "category:" + ChaosCatalog.category(index)))
			.multiply(factor(market, "product:" + ChaosCatalog.id(index)))
			.max(inputs[1])
			.min(inputs[2])
			.setScale(2, RoundingMode.HALF_EVEN);
	}

	private static BigDecimal factor(Map<String, String> market, String field) {
		String value = market.get(field);
		return (value != null) ? new BigDecimal(value) : BigDecimal.ONE;
	}

	/**
	 * Checks what one API replica serves for some products.
	 * @param replica its name
	 * @param ids the products
	 * @param marketPrice reads a product's market price from the replica
	 */
	void served(String replica, Set<String> ids, Function<String, BigDecimal> marketPrice) {
		for (String id : ids) {
			BigDecimal expected = this.expectedPrices.get(id);
			if (expected == null) {
				continue; // its inputs are already reported wrong
			}
			BigDecimal served = marketPrice.apply(id);
			this.servedChecked++;
			if (served == null || served.compareTo(expected) != 0) {
				this.servedWrong.add(replica + " " + id + ": served " + served + ", rule " + expected);
			}
		}
	}

	private static <T> T await(RedisFuture<T> future) {
		try {
			return future.get(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	String table() {
		StringBuilder out = new StringBuilder("## Chaos suite on ").append(this.redis)
			.append(" Redis: ")
			.append(this.rounds)
			.append(" round(s), seed ")
			.append(this.seed)
			.append("\n\nReplay with `CHAOS_REDIS=")
			.append(this.redis)
			.append(" CHAOS_SEED=")
			.append(this.seed)
			.append(" CHAOS_ROUNDS=")
			.append(this.rounds)
			.append(" scripts/chaos.sh`.\n\n| Fault | Began (s) | Lasted (s) | Exercised |\n|---|---|---|---|\n");
		long start = this.history.faults.stream().mapToLong((fault) -> fault.began).min().orElse(0);
		for (Fault fault : this.history.faults) {
			out.append("| ")
				.append(fault.description)
				.append(" | ")
				.append(seconds(fault.began - start))
				.append(" | ")
				.append((fault.ended > 0) ? seconds(fault.ended - fault.began) : "–")
				.append(" | ")
				.append(fault.exercised.isEmpty() ? "**no**" : fault.exercised)
				.append(" |\n");
		}
		out.append("\n| Figure | Value | Must be |\n|---|---|---|\n");
		row(out, "events sent", this.history.published.size(), "");
		row(out, "accepted (202)", this.history.count(Outcome.OK), "");
		row(out, "refused (4xx, or 503: no listener)", this.history.count(Outcome.FAILED), "");
		row(out, "answer lost (no answer, or 5xx while Redis was down)", this.history.count(Outcome.UNKNOWN), "");
		row(out, "catalog imports answered 200 / failed / unknown",
				this.history.imports.stream().filter((i) -> i.outcome() == Outcome.OK).count() + " / "
						+ this.history.imports.stream().filter((i) -> i.outcome() == Outcome.FAILED).count() + " / "
						+ this.history.imports.stream().filter((i) -> i.outcome() == Outcome.UNKNOWN).count(),
				"");
		row(out, "jobs succeeded", this.succeeded, "");
		row(out, "jobs coalesced into a holder's pass", this.coalesced, "");
		row(out, "jobs dead-lettered, then replayed and applied", this.deadLetteredAndReplayed, "");
		row(out, "accepted events whose job has no outcome", this.lost.size(), "0");
		row(out, "events bridged by the redelivery sweep of the listeners running at the end", this.redelivered, "");
		row(out, "market-state fields and base prices the history does not allow", this.stateWrong.size(), "0");
		row(out, "products whose inputs no import or event of the history wrote", this.inputsWrong.size(), "0");
		row(out, "stored prices checked against the rule", this.pricesChecked, "every product");
		row(out, "stored prices not equal to the rule", this.pricesWrong.size(), "0");
		row(out, "prices an import dropped and no pass wrote since (their served price checked)",
				this.droppedByImports.size(), "");
		row(out, "imported products' prices not equal to the rule right after the pass the import landed in",
				this.pricesWrongAfterImports.size(), "0");
		row(out, "served prices checked (every API replica)", this.servedChecked, "");
		row(out, "served prices not equal to the rule", this.servedWrong.size(), "0");
		row(out, "price writes seen (MONITOR)", this.writesSeen, "");
		row(out, "writes accepted with a token older than one already written", this.staleWrites.size(), "0");
		row(out, "stale batch writes the fence refused (Redis counter)", this.fenceRejections, "≥ 1 per pause");
		row(out, "jobs whose lock lease lapsed before their release (their status)", this.lapsedHolds, "");
		row(out, "workers halted with a consumer that made no progress, and replaced", this.stalledWorkers, "");
		appendSamples(out, "lost", this.lost);
		appendSamples(out, "market state", this.stateWrong);
		appendSamples(out, "inputs", this.inputsWrong);
		appendSamples(out, "stored prices", this.pricesWrong);
		appendSamples(out, "prices right after an import", this.pricesWrongAfterImports);
		appendSamples(out, "served prices", this.servedWrong);
		appendSamples(out, "stale writes", this.staleWrites);
		return out.toString();
	}

	private static void appendSamples(StringBuilder out, String what, List<String> wrong) {
		if (!wrong.isEmpty()) {
			out.append("\nWrong ").append(what).append(" (first 10 of ").append(wrong.size()).append("):\n");
			wrong.stream().limit(10).forEach((line) -> out.append("- ").append(line).append('\n'));
		}
	}

	private static void row(StringBuilder out, String figure, Object value, String mustBe) {
		out.append("| ").append(figure).append(" | ").append(value).append(" | ").append(mustBe).append(" |\n");
	}

	private static String seconds(long millis) {
		return BigDecimal.valueOf(millis, 3).setScale(1, RoundingMode.HALF_UP).toPlainString();
	}

	void assertPromisesKept() {
		assertThat(this.history.count(Outcome.OK)).as("events accepted").isPositive();
		assertThat(this.lost).as("accepted events without an outcome").isEmpty();
		assertThat(this.stateWrong).as("market state the history does not allow").isEmpty();
		assertThat(this.inputsWrong).as("catalog inputs the history does not allow").isEmpty();
		assertThat(this.pricesChecked).as("products priced").isEqualTo(this.catalog.size());
		assertThat(this.pricesWrong).as("stored prices not following the rule").isEmpty();
		assertThat(this.pricesWrongAfterImports).as("prices of replaced inputs left by the pass an import landed in")
			.isEmpty();
		assertThat(this.servedChecked).as("served prices checked").isPositive();
		assertThat(this.servedWrong).as("served prices not following the rule").isEmpty();
		assertThat(this.writesSeen).as("price writes seen").isPositive();
		assertThat(this.staleWrites).as("writes with an older token accepted after a newer one").isEmpty();
		assertThat(this.history.faults).as("faults that did not exercise what they were meant to")
			.allSatisfy((fault) -> assertThat(fault.exercised).as(fault.description).isNotEmpty());
	}

}
