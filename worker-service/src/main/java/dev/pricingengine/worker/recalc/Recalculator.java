package dev.pricingengine.worker.recalc;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.market.DemandFactors;
import dev.pricingengine.common.market.MarketStateFields;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.pricing.PricingRule;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.worker.job.WorkerProperties;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.stereotype.Component;

/**
 * Applies a market event and recalculates the prices it affects, in batches of
 * {@code pricing.worker.batch-size}: one round trip reads a batch's inputs, the pricing
 * rule runs here, one round trip writes the batch, fenced by the lock's token.
 */
@Component
public class Recalculator {

	private static final LuaScript APPLY_EVENT = LuaScript.fromClasspath("scripts/apply-event.lua");

	private static final LuaScript READ_BATCH = LuaScript.fromClasspath("scripts/read-batch-inputs.lua");

	private static final LuaScript WRITE_FENCED = LuaScript.fromClasspath("scripts/write-prices-fenced.lua");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final WorkerProperties properties;

	Recalculator(SharedRedisConnection redisConnection, RedisKeys keys, WorkerProperties properties) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
	}

	/**
	 * Applies the event (unless a newer one already set the same field) and recalculates
	 * the prices in its scope.
	 * @param envelope the event
	 * @param fencingToken the recalculation lock's token
	 * @param progress told the number of products processed so far, after each batch
	 * @return what was done
	 * @throws UnknownProductException if a base price names a product the catalog lacks
	 */
	public Result apply(EventEnvelope envelope, long fencingToken, LongConsumer progress) {
		applyEvent(envelope);
		return recalculate(Scope.of(envelope.event()), fencingToken, progress);
	}

	/**
	 * Applies an event to the market state or catalog unless a newer one already set the
	 * same field; recalculates nothing.
	 * @param envelope the event
	 * @throws UnknownProductException if a base price names a product the catalog lacks
	 */
	public void applyEvent(EventEnvelope envelope) {
		applyEvent(this.redisConnection.connection().sync(), envelope);
	}

	/**
	 * Recalculates the prices in a scope.
	 * @param scope the products to recalculate
	 * @param fencingToken the recalculation lock's token
	 * @param progress told the number of products processed so far, after each batch
	 * @return what was done
	 */
	public Result recalculate(Scope scope, long fencingToken, LongConsumer progress) {
		RedisCommands<String, String> redis = this.redisConnection.connection().sync();
		long total = scope.size(redis, this.keys);
		Instant computedAt = Instant.ofEpochMilli(RedisClock.millis(redis));
		long processed = 0;
		long rejected = 0;
		List<String> batch = new ArrayList<>(this.properties.batchSize());
		for (String productId : (Iterable<String>) () -> scope.productIds(redis, this.keys)) {
			batch.add(productId);
			if (batch.size() == this.properties.batchSize()) {
				rejected += recalculate(redis, batch, fencingToken, computedAt);
				processed += batch.size();
				progress.accept(processed);
				batch.clear();
			}
		}
		if (!batch.isEmpty()) {
			rejected += recalculate(redis, batch, fencingToken, computedAt);
			processed += batch.size();
			progress.accept(processed);
		}
		return new Result(processed, total, rejected);
	}

	private void applyEvent(RedisCommands<String, String> redis, EventEnvelope envelope) {
		MarketEvent event = envelope.event();
		String key;
		String field;
		String value;
		switch (event.type()) {
			case DEMAND_FACTOR -> {
				key = this.keys.market();
				field = (event.productId() != null) ? MarketStateFields.product(event.productId())
						: (event.category() != null) ? MarketStateFields.category(event.category())
								: MarketStateFields.GLOBAL;
				value = event.factor().toPlainString();
			}
			case BASE_PRICE -> {
				key = this.keys.product(event.productId());
				field = ProductCodec.BASE_PRICE;
				value = event.basePrice().setScale(2).toPlainString();
			}
			default -> {
				return;
			}
		}
		Long applied = APPLY_EVENT.call(redis, ScriptOutputType.INTEGER, new String[] { key }, field, value,
				String.valueOf(envelope.sequence()));
		if (applied != null && applied < 0) {
			throw new UnknownProductException(event.productId());
		}
	}

	private long recalculate(RedisCommands<String, String> redis, List<String> productIds, long fencingToken,
			Instant computedAt) {
		String[] readKeys = new String[productIds.size() + 1];
		String[] readArgs = new String[productIds.size() + 2];
		readKeys[0] = this.keys.market();
		readArgs[0] = MarketStateFields.category("");
		readArgs[1] = MarketStateFields.product("");
		for (int i = 0; i < productIds.size(); i++) {
			readKeys[i + 1] = this.keys.product(productIds.get(i));
			readArgs[i + 2] = productIds.get(i);
		}
		List<String> inputs = READ_BATCH.call(redis, ScriptOutputType.MULTI, readKeys, readArgs);
		BigDecimal global = factor(inputs.get(0));
		List<String> priceKeys = new ArrayList<>(productIds.size());
		List<String> writeArgs = new ArrayList<>(productIds.size() + 2);
		writeArgs.add(String.valueOf(fencingToken));
		writeArgs.add(String.valueOf(this.properties.priceTtl().toMillis()));
		for (int i = 0; i < productIds.size(); i++) {
			List<String> row = inputs.subList(1 + i * 6, 7 + i * 6);
			if (row.get(0).isEmpty()) {
				continue; // removed from the catalog since it was listed
			}
			Product product = ProductCodec.fromValues(productIds.get(i), row.subList(0, 4));
			DemandFactors factors = new DemandFactors(global, factor(row.get(4)), factor(row.get(5)));
			MarketPrice price = new MarketPrice(PricingRule.marketPrice(product, factors), product.basePrice(),
					computedAt, fencingToken);
			priceKeys.add(this.keys.price(product.id()));
			writeArgs.add(MarketPriceCodec.encode(price));
		}
		if (priceKeys.isEmpty()) {
			return 0;
		}
		List<Long> outcome = WRITE_FENCED.call(redis, ScriptOutputType.MULTI, priceKeys.toArray(String[]::new),
				writeArgs.toArray(String[]::new));
		return outcome.get(1);
	}

	private static BigDecimal factor(String stored) {
		return stored.isEmpty() ? BigDecimal.ONE : new BigDecimal(stored);
	}

	/**
	 * Products to recalculate: everything, or some categories and some products. Scopes
	 * of several events merge into one, so that one pass serves them all.
	 *
	 * @param all every product
	 * @param categories whole categories
	 * @param products single products
	 */
	public record Scope(boolean all, Set<String> categories, Set<String> products) {

		/** Members per SSCAN round trip (Redis's default is 10). */
		private static final ScanArgs SCAN = ScanArgs.Builder.limit(1000);

		public static Scope of(MarketEvent event) {
			return switch (event.type()) {
				case BASE_PRICE -> new Scope(false, Set.of(), Set.of(event.productId()));
				case DEMAND_FACTOR ->
					(event.productId() != null) ? new Scope(false, Set.of(), Set.of(event.productId()))
							: (event.category() != null) ? new Scope(false, Set.of(event.category()), Set.of())
									: new Scope(true, Set.of(), Set.of());
				case RECALCULATE -> new Scope(true, Set.of(), Set.of());
			};
		}

		public Scope union(Scope other) {
			if (this.all || other.all) {
				return new Scope(true, Set.of(), Set.of());
			}
			Set<String> mergedCategories = new TreeSet<>(this.categories);
			mergedCategories.addAll(other.categories);
			Set<String> mergedProducts = new TreeSet<>(this.products);
			mergedProducts.addAll(other.products);
			return new Scope(false, mergedCategories, mergedProducts);
		}

		long size(RedisCommands<String, String> redis, RedisKeys keys) {
			return categories(redis, keys).stream().mapToLong((each) -> redis.scard(keys.category(each))).sum()
					+ this.products.size();
		}

		Iterator<String> productIds(RedisCommands<String, String> redis, RedisKeys keys) {
			return Stream
				.concat(categories(redis, keys).stream()
					.flatMap((each) -> ScanIterator.sscan(redis, keys.category(each), SCAN).stream()),
						this.products.stream())
				.iterator();
		}

		private Collection<String> categories(RedisCommands<String, String> redis, RedisKeys keys) {
			return this.all ? redis.smembers(keys.categories()) : this.categories;
		}

	}

	/**
	 * What a recalculation did.
	 *
	 * @param processed products recalculated
	 * @param total products in the event's scope
	 * @param rejected price writes refused because a newer fencing token had written
	 */
	public record Result(long processed, long total, long rejected) {

	}

}
