package dev.pricingengine.worker.recalc;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.market.DemandFactors;
import dev.pricingengine.common.market.MarketStateFields;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.pricing.PricingRule;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import dev.pricingengine.worker.job.WorkerProperties;
import io.lettuce.core.KeyValue;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Applies a market event and recalculates the prices it affects, in batches of
 * {@code pricing.worker.batch-size}, pipelined on one connection: categories are listed
 * with their products' pricing inputs a scan page ahead, a batch's product factors and
 * stored prices are read in one write of commands, the pricing rule runs here, and one
 * script writes the prices that changed unless a newer holder of the lock has written
 * (fencing).
 */
@Component
public class Recalculator {

	private static final Logger logger = LoggerFactory.getLogger(Recalculator.class);

	private static final LuaScript APPLY_EVENT = LuaScript.fromClasspath("scripts/apply-event.lua");

	/**
	 * Times a base price reads its product's category before giving up (the product moved
	 * between categories in between each time: catalog imports racing the event), with a
	 * random pause that grows between reads.
	 */
	private static final int MAX_CATEGORY_READS = 100;

	/** Batches whose writes may be unconfirmed while the next ones are priced. */
	private static final int MAX_WRITES_IN_FLIGHT = 2;

	/**
	 * Categories whose listing is in flight ahead of their use: with the products spread
	 * over partitions, a partition's share of a category can be a fraction of a batch
	 * (125 products of a 500-product category in four partitions), and listing one
	 * category at a time left a pass waiting on a round trip every few hundred products
	 * (a full recalculation in four partitions ran at 0.67 of one partition's speed).
	 */
	private static final int CATEGORIES_AHEAD = 8;

	/** Entries per HSCAN round trip (Redis's default is 10). */
	private static final ScanArgs SCAN = ScanArgs.Builder.limit(1000);

	private static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("pricing.batch.size");

	private static final AttributeKey<Long> WRITTEN = AttributeKey.longKey("pricing.batch.written");

	private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");

	private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");

	private static final AttributeKey<String> DB_PROCEDURE = AttributeKey.stringKey("db.stored_procedure.name");

	/**
	 * While stored prices are not worth reading (the last batch that read them found
	 * every price changed), one batch in this many reads them to notice when they are
	 * again.
	 */
	private static final int STORED_PRICES_SAMPLE_INTERVAL = 16;

	/** Least time between two progress reports of a pass. */
	private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(200);

	private static final LuaScript WRITE_FENCED = LuaScript.fromClasspath("scripts/write-prices-fenced.lua");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final WorkerProperties properties;

	private final Counter recalculated;

	private final Counter replacedInputs;

	private final Counter skippedRecords;

	Recalculator(SharedRedisConnection redisConnection, RedisKeys keys, WorkerProperties properties,
			MeterRegistry meters) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
		this.recalculated = Counter.builder("pricing.worker.recalculated.prices")
			.description("Market prices recalculated and written; a price found unchanged is not written")
			.register(meters);
		this.replacedInputs = Counter.builder("pricing.worker.replaced.inputs")
			.description("Prices not written because their product's pricing inputs were replaced (a catalog import) "
					+ "after the recalculation read them")
			.register(meters);
		this.skippedRecords = Counter.builder("pricing.worker.skipped.records")
			.description("Products a recalculation left out because their catalog record is malformed")
			.register(meters);
	}

	/**
	 * Applies the event to one partition (unless a newer one already set the same field)
	 * and recalculates the prices of its scope in that partition.
	 * @param partition the partition, whose lock the caller holds
	 * @param envelope the event
	 * @param fencingToken the partition's recalculation lock's token
	 * @param batchLatencyMs injected latency before each batch is written (fault
	 * injection's {@code batch_latency_ms}; 0 when off)
	 * @param progress told the products processed so far and the products in scope, as
	 * batches are written (at least every 200 ms, and at the start and the end)
	 * @return what was done
	 * @throws UnknownProductException if a base price names a product the catalog lacks
	 */
	public Result apply(int partition, EventEnvelope envelope, long fencingToken, long batchLatencyMs,
			Progress progress) {
		applyEvent(partition, envelope);
		return recalculate(partition, Scope.of(envelope.event()), fencingToken, batchLatencyMs, progress);
	}

	/**
	 * Applies an event to one partition's copy of the market state, or to a product of
	 * the partition, unless a newer one already set the same field; recalculates nothing.
	 * A base price of another partition's product is not this partition's to apply.
	 * @param partition the partition, whose lock the caller holds
	 * @param envelope the event
	 * @throws UnknownProductException if a base price names a product the catalog lacks
	 */
	public void applyEvent(int partition, EventEnvelope envelope) {
		applyEvent(this.redisConnection.connection().sync(), this.keys.partition(partition), envelope);
	}

	/**
	 * Recalculates the prices of a scope in one partition, pipelined: the next batch's
	 * inputs are read and the previous batch's prices written while this one is priced.
	 * @param partition the partition, whose lock the caller holds
	 * @param scope the products to recalculate (those of other partitions are left out)
	 * @param fencingToken the partition's recalculation lock's token
	 * @param progress told the products processed so far and the products in scope, as
	 * batches are written (at least every 200 ms, and at the start and the end)
	 * @return what was done
	 * @throws FencedOutException if a newer holder of the lock has written prices
	 */
	public Result recalculate(int partition, Scope scope, long fencingToken, Progress progress) {
		return recalculate(partition, scope, fencingToken, 0, progress);
	}

	private Result recalculate(int partition, Scope scope, long fencingToken, long batchLatencyMs, Progress progress) {
		ClusterAwareConnection connection = this.redisConnection.connection();
		RedisClusterCommands<String, String> redis = connection.sync();
		RedisKeys.Partition data = this.keys.partition(partition);
		Collection<String> categories = scope.categories(redis, data);
		List<String> products = scope.products()
			.stream()
			.filter((product) -> this.keys.partitionOf(product) == partition)
			.toList();
		long total = categories.stream().mapToLong((each) -> redis.hlen(data.category(each))).sum() + products.size();
		progress.report(0, total);
		Pass pass = new Pass(connection, data, fencingToken, categories);
		Pass.ProductCursor cursor = pass.new ProductCursor(categories, products);
		Deque<PendingWrite> writes = new ArrayDeque<>();
		long processed = 0;
		long lastReport = System.nanoTime();
		List<Listed> batch = cursor.next(this.properties.batchSize());
		BatchRead read = batch.isEmpty() ? null : pass.read(batch);
		try {
			while (read != null) {
				BatchRead current = read;
				batch = cursor.next(this.properties.batchSize());
				read = batch.isEmpty() ? null : pass.read(batch);
				FaultSettings.inject(batchLatencyMs);
				writes.add(pass.write(current));
				while (writes.size() > MAX_WRITES_IN_FLIGHT || (!writes.isEmpty() && writes.peek().isDone())) {
					processed += pass.await(writes.poll());
				}
				if (System.nanoTime() - lastReport > PROGRESS_INTERVAL.toNanos()) {
					progress.report(processed, total);
					lastReport = System.nanoTime();
				}
			}
			while (!writes.isEmpty()) {
				processed += pass.await(writes.poll());
			}
		}
		finally {
			// a failed pass leaves no batch span open
			writes.forEach((write) -> write.span().end());
			if (read != null) {
				read.span().end();
			}
		}
		progress.report(processed, total);
		return new Result(processed, total, List.copyOf(pass.skipped));
	}

	private void applyEvent(RedisClusterCommands<String, String> redis, RedisKeys.Partition data,
			EventEnvelope envelope) {
		MarketEvent event = envelope.event();
		String sequence = String.valueOf(envelope.sequence());
		switch (event.type()) {
			case DEMAND_FACTOR -> {
				String field = (event.productId() != null) ? MarketStateFields.product(event.productId())
						: (event.category() != null) ? MarketStateFields.category(event.category())
								: MarketStateFields.GLOBAL;
				APPLY_EVENT.call(redis, ScriptOutputType.INTEGER,
						new String[] { data.market(), data.catalogRevisions() }, field, event.factor().toPlainString(),
						sequence);
			}
			case BASE_PRICE -> {
				if (this.keys.partitionOf(event.productId()) == data.index()) {
					applyBasePrice(redis, data, event, sequence);
				}
			}
			default -> {
			}
		}
	}

	/**
	 * Applies a base price to its product and its category's pricing inputs; the script
	 * declares the category hash it writes, so the category is read first and the script
	 * refuses when a catalog import moved the product meanwhile (then read again).
	 */
	private void applyBasePrice(RedisClusterCommands<String, String> redis, RedisKeys.Partition data, MarketEvent event,
			String sequence) {
		String product = data.product(event.productId());
		String value = event.basePrice().setScale(2).toPlainString();
		for (int attempt = 1;; attempt++) {
			String category = redis.hget(product, ProductCodec.CATEGORY);
			if (category == null) {
				throw new UnknownProductException(event.productId());
			}
			Long applied = APPLY_EVENT.call(redis, ScriptOutputType.INTEGER,
					new String[] { product, data.catalogRevisions(), data.category(category) }, ProductCodec.BASE_PRICE,
					value, sequence, category, event.productId());
			if (applied == null || applied >= 0) {
				return;
			}
			if (applied == -1) {
				throw new UnknownProductException(event.productId());
			}
			if (attempt == MAX_CATEGORY_READS) {
				throw new IllegalStateException("Product " + event.productId() + " moved between categories " + attempt
						+ " times while its base price was applied");
			}
			LockSupport.parkNanos(
					Duration.ofMillis(ThreadLocalRandom.current().nextLong(1, 2 + Math.min(attempt, 20))).toNanos());
		}
	}

	private static BigDecimal factor(String stored) {
		return (stored == null) ? BigDecimal.ONE : new BigDecimal(stored);
	}

	private static AsyncCommand<String, String, List<String>> mget(List<String> keys) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
		keys.forEach(args::addKey);
		return new AsyncCommand<>(new Command<>(CommandType.MGET, new ValueListOutput<>(StringCodec.UTF8), args));
	}

	private static AsyncCommand<String, String, List<String>> hmget(String key, List<String> fields) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(key);
		fields.forEach(args::add);
		return new AsyncCommand<>(new Command<>(CommandType.HMGET, new ValueListOutput<>(StringCodec.UTF8), args));
	}

	/**
	 * One recalculation under one fencing token. The market state changes only under the
	 * lock, so its factors are read once per pass (category factors when first needed);
	 * product factors and stored prices are read per batch.
	 */
	private final class Pass {

		private final ClusterAwareConnection connection;

		private final RedisKeys.Partition data;

		private final long fencingToken;

		private final MarketPriceCodec.Encoder prices;

		private final BigDecimal global;

		private final Map<String, BigDecimal> categoryFactors = new HashMap<>();

		/**
		 * Whether batches read their stored prices to skip the unchanged ones: while the
		 * last batch that read them found some unchanged (a pass where every price
		 * changes reads them only in samples).
		 */
		private boolean storedPricesPay = true;

		private int batchesSinceStoredPrices;

		/** Products left out because their catalog record is malformed. */
		private final List<String> skipped = new ArrayList<>();

		Pass(ClusterAwareConnection connection, RedisKeys.Partition data, long fencingToken,
				Collection<String> categories) {
			this.connection = connection;
			this.data = data;
			this.fencingToken = fencingToken;
			RedisClusterCommands<String, String> redis = connection.sync();
			this.prices = MarketPriceCodec.encoder(Instant.ofEpochMilli(RedisClock.millis(redis)), fencingToken);
			this.global = factor(redis.hget(data.market(), MarketStateFields.GLOBAL));
			readCategoryFactors(categories);
		}

		/**
		 * The products of a scope: the entries of its categories' hashes (ids with their
		 * pricing inputs), scanned several categories ahead of their use so that listing
		 * never stalls the pipeline, then its single products (inputs read per batch).
		 */
		final class ProductCursor {

			private final Iterator<String> categories;

			private final Iterator<String> products;

			private final Deque<Listed> buffered = new ArrayDeque<>();

			/**
			 * Categories being scanned, in order: the first one's pages are used first.
			 */
			private final Deque<CategoryScan> scans = new ArrayDeque<>();

			ProductCursor(Collection<String> categories, Collection<String> products) {
				this.categories = categories.iterator();
				this.products = products.iterator();
				scanAhead();
			}

			List<Listed> next(int size) {
				while (this.buffered.size() < size && !this.scans.isEmpty()) {
					CategoryScan scan = this.scans.peek();
					MapScanCursor<String, String> page = await(scan.page);
					String revision = Objects.requireNonNullElse(await(scan.revision), "0");
					if (page.isFinished()) {
						this.scans.poll();
						scanAhead();
					}
					else {
						scan.page = Pass.this.connection.async()
							.hscan(Pass.this.data.category(scan.category), page, SCAN)
							.toCompletableFuture();
					}
					page.getMap()
						.forEach((id, inputs) -> this.buffered.add(new Listed(id, scan.category, inputs, revision)));
				}
				while (this.buffered.size() < size && this.products.hasNext()) {
					this.buffered.add(new Listed(this.products.next(), null, null, null));
				}
				List<Listed> batch = new ArrayList<>(Math.min(size, this.buffered.size()));
				while (batch.size() < size && !this.buffered.isEmpty()) {
					batch.add(this.buffered.poll());
				}
				return batch;
			}

			/**
			 * Starts the scans of the next categories, up to {@value #CATEGORIES_AHEAD}
			 * in flight.
			 */
			private void scanAhead() {
				while (this.scans.size() < CATEGORIES_AHEAD && this.categories.hasNext()) {
					String category = this.categories.next();
					// sent before the scan on the same connection: a change of the
					// category's entries after it read makes its prices checked one by
					// one
					CompletableFuture<String> revision = Pass.this.connection.async()
						.hget(Pass.this.data.catalogRevisions(), category)
						.toCompletableFuture();
					this.scans.add(new CategoryScan(category, revision,
							Pass.this.connection.async()
								.hscan(Pass.this.data.category(category), SCAN)
								.toCompletableFuture()));
				}
			}

		}

		/**
		 * Sends the reads of a batch: its products' own demand factors, their stored
		 * prices while those pay, and the catalog entries of products listed without
		 * their inputs.
		 */
		BatchRead read(List<Listed> batch) {
			boolean readStoredPrices = this.storedPricesPay
					|| ++this.batchesSinceStoredPrices % STORED_PRICES_SAMPLE_INTERVAL == 0;
			List<String> productFactorFields = new ArrayList<>(batch.size());
			List<String> priceKeys = new ArrayList<>(readStoredPrices ? batch.size() : 0);
			List<AsyncCommand<String, String, List<String>>> entries = new ArrayList<>();
			for (Listed listed : batch) {
				productFactorFields.add(MarketStateFields.product(listed.id()));
				if (readStoredPrices) {
					priceKeys.add(this.data.price(listed.id()));
				}
				if (listed.inputs() == null) {
					entries.add(hmget(this.data.product(listed.id()), ProductCodec.FIELDS));
				}
			}
			AsyncCommand<String, String, List<String>> productFactors = hmget(this.data.market(), productFactorFields);
			AsyncCommand<String, String, List<String>> storedPrices = readStoredPrices ? mget(priceKeys) : null;
			Span span = MessageTracing.tracer()
				.spanBuilder("recalculate batch")
				.setAttribute(BATCH_SIZE, batch.size())
				.startSpan();
			List<AsyncCommand<String, String, List<String>>> commands = new ArrayList<>(entries);
			commands.add(productFactors);
			if (storedPrices != null) {
				commands.add(storedPrices);
			}
			this.connection.stateful().dispatch(commands);
			return new BatchRead(batch, entries, productFactors, storedPrices, span);
		}

		/** Prices a batch whose inputs were read and sends its fenced write. */
		PendingWrite write(BatchRead read) {
			try {
				return priceAndWrite(read);
			}
			catch (RuntimeException ex) {
				read.span().recordException(ex).setStatus(StatusCode.ERROR);
				read.span().end();
				throw ex;
			}
		}

		private PendingWrite priceAndWrite(BatchRead read) {
			List<String> productFactors = await(read.productFactors());
			List<String> storedPrices = (read.storedPrices() != null) ? await(read.storedPrices()) : null;
			Iterator<AsyncCommand<String, String, List<String>>> entries = read.entries().iterator();
			List<Product> products = new ArrayList<>(read.batch().size());
			List<String> inputs = new ArrayList<>(read.batch().size());
			List<String> revisions = new ArrayList<>(read.batch().size());
			List<BigDecimal> factors = new ArrayList<>(read.batch().size());
			List<String> stored = new ArrayList<>(read.batch().size());
			int skipped = 0;
			for (int i = 0; i < read.batch().size(); i++) {
				Listed listed = read.batch().get(i);
				List<String> values = (listed.inputs() != null) ? null : await(entries.next());
				if (values != null && values.get(0) == null) {
					continue; // not (or no longer) in the catalog
				}
				try {
					Product product = (values != null) ? ProductCodec.fromValues(listed.id(), values)
							: ProductCodec.fromInputs(listed.id(), listed.category(), listed.inputs());
					products.add(product);
					inputs.add((values != null) ? ProductCodec.toInputs(product) : listed.inputs());
					revisions.add(listed.revision());
				}
				catch (IllegalArgumentException ex) {
					skip(listed.id(), ex);
					skipped++;
					continue;
				}
				factors.add(factor(productFactors.get(i)));
				stored.add((storedPrices != null) ? storedPrices.get(i) : null);
			}
			readCategoryFactors(products.stream().map(Product::category).toList());
			FencedWrite write = new FencedWrite();
			for (int i = 0; i < products.size(); i++) {
				Product product = products.get(i);
				DemandFactors demand = new DemandFactors(this.global, this.categoryFactors.get(product.category()),
						factors.get(i));
				String price = this.prices.encode(PricingRule.marketPrice(product, demand), product.basePrice());
				if (!MarketPriceCodec.sameWorkerPrice(stored.get(i), price)) {
					write.add(new Priced(product, inputs.get(i), revisions.get(i), demand, price));
				}
			}
			if (storedPrices != null) {
				this.storedPricesPay = write.size() < products.size();
			}
			// the fence is checked even when no price changed: a holder whose lease has
			// passed learns it at its next batch
			CompletionStage<List<Object>> written = traced(read.span(),
					write.submit(this.connection, this.data, this.fencingToken));
			return new PendingWrite(read.batch().size() - skipped, write, written.toCompletableFuture(), read.span());
		}

		/**
		 * Waits for a batch's write, and writes again, checked price by price, the groups
		 * whose category's entries changed after they were listed.
		 * @return the number of products the batch covered
		 * @throws FencedOutException if a newer token had written
		 */
		long await(PendingWrite write) {
			try {
				List<Object> reply = await(write.reply());
				long written = (Long) reply.get(0);
				if (written >= 0) {
					// prices refused one by one: the rest of what was sent, but the
					// groups
					// refused as a whole, which are written again below
					long refused = write.write().size() - written;
					for (int i = 1; i < reply.size() && written >= 0; i++) {
						List<Priced> group = write.write().group((int) (long) (Long) reply.get(i) - 1);
						refused -= group.size();
						long rewritten = rewrite(group);
						written = (rewritten < 0) ? -1 : written + rewritten;
					}
					Recalculator.this.replacedInputs.increment(refused);
				}
				write.span().setAttribute(WRITTEN, written);
				if (written < 0) {
					write.span().setStatus(StatusCode.ERROR, "fenced out");
					throw new FencedOutException(this.fencingToken);
				}
				Recalculator.this.recalculated.increment(written);
				return write.size();
			}
			finally {
				write.span().end();
			}
		}

		/**
		 * Writes again the prices of a group whose category's entries changed after they
		 * were listed: each from the product's current inputs (priced anew if they are
		 * not those it was computed from), checked price by price by the script.
		 * @return the number written, or -1 when fenced out
		 */
		private long rewrite(List<Priced> group) {
			String category = group.get(0).product().category();
			List<KeyValue<String, String>> current = this.connection.sync()
				.hmget(this.data.category(category),
						group.stream().map((priced) -> priced.product().id()).toArray(String[]::new));
			FencedWrite write = new FencedWrite();
			for (int i = 0; i < group.size(); i++) {
				Priced priced = group.get(i);
				String inputs = current.get(i).getValueOrElse(null);
				if (priced.inputs().equals(inputs)) {
					write.add(priced.checked());
					continue;
				}
				Recalculator.this.replacedInputs.increment();
				if (inputs != null) {
					try {
						Product product = ProductCodec.fromInputs(priced.product().id(), category, inputs);
						write.add(new Priced(product, inputs, null, priced.demand(), this.prices
							.encode(PricingRule.marketPrice(product, priced.demand()), product.basePrice())));
					}
					catch (IllegalArgumentException ex) {
						skip(priced.product().id(), ex);
					}
				}
			}
			long written = (Long) await(
					write.submit(this.connection, this.data, this.fencingToken).toCompletableFuture())
				.get(0);
			if (written >= 0) {
				Recalculator.this.replacedInputs.increment(write.size() - written);
			}
			return written;
		}

		/** A CLIENT span for the batch's write, from sending it to its reply. */
		private static <T> CompletionStage<T> traced(Span batch, CompletionStage<T> write) {
			Span span = MessageTracing.tracer()
				.spanBuilder("EVALSHA")
				.setParent(Context.current().with(batch))
				.setSpanKind(SpanKind.CLIENT)
				.setAttribute(DB_SYSTEM, "redis")
				.setAttribute(DB_OPERATION, "EVALSHA")
				.setAttribute(DB_PROCEDURE, "write-prices-fenced")
				.startSpan();
			return write.whenComplete((reply, ex) -> {
				if (ex != null) {
					span.recordException(ex).setStatus(StatusCode.ERROR);
				}
				span.end();
			});
		}

		/** Leaves out a product whose catalog record is malformed; the rest is priced. */
		private void skip(String productId, IllegalArgumentException ex) {
			Recalculator.this.skippedRecords.increment();
			this.skipped.add(productId);
			logger.warn("Skipped product {}: {}", productId, ex.getMessage());
		}

		private void readCategoryFactors(Collection<String> categories) {
			List<String> missing = categories.stream()
				.filter((category) -> !this.categoryFactors.containsKey(category))
				.distinct()
				.toList();
			if (missing.isEmpty()) {
				return;
			}
			AsyncCommand<String, String, List<String>> read = hmget(this.data.market(),
					missing.stream().map(MarketStateFields::category).toList());
			this.connection.stateful().dispatch(read);
			List<String> stored = await(read);
			for (int i = 0; i < missing.size(); i++) {
				this.categoryFactors.put(missing.get(i), factor(stored.get(i)));
			}
		}

		private <T> T await(CompletableFuture<T> reply) {
			Duration timeout = this.connection.stateful().getTimeout();
			try {
				return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException ex) {
				reply.cancel(true);
				throw new RedisCommandTimeoutException("Command timed out after " + timeout);
			}
			catch (ExecutionException ex) {
				throw (ex.getCause() instanceof RuntimeException runtime) ? runtime : new RedisException(ex.getCause());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new RedisException("Interrupted while waiting for Redis", ex);
			}
		}

	}

	/** The scan of one category's entries, and their revision read before it. */
	private static final class CategoryScan {

		private final String category;

		private final CompletableFuture<String> revision;

		/** The page being read. */
		private CompletableFuture<MapScanCursor<String, String>> page;

		CategoryScan(String category, CompletableFuture<String> revision,
				CompletableFuture<MapScanCursor<String, String>> page) {
			this.category = category;
			this.revision = revision;
			this.page = page;
		}

	}

	/**
	 * A product listed for recalculation.
	 *
	 * @param id the product id
	 * @param category the category whose hash listed it, or {@code null} for a single
	 * product of the scope
	 * @param inputs its pricing inputs from that hash, or {@code null} when they are read
	 * from its catalog entry
	 * @param revision the revision of that hash's entries read before it was scanned, or
	 * {@code null}
	 */
	private record Listed(String id, String category, String inputs, String revision) {

	}

	/**
	 * The reads sent for a batch.
	 *
	 * @param batch the products
	 * @param entries catalog entries of the products listed without inputs, in batch
	 * order
	 * @param productFactors the products' own demand factors
	 * @param storedPrices the products' stored prices, or {@code null} when not read
	 * @param span the batch's span
	 */
	private record BatchRead(List<Listed> batch, List<AsyncCommand<String, String, List<String>>> entries,
			AsyncCommand<String, String, List<String>> productFactors,
			AsyncCommand<String, String, List<String>> storedPrices, Span span) {

	}

	/**
	 * A batch's prices for {@code write-prices-fenced.lua}, in groups: the prices of
	 * products listed from one category with the revision of its entries seen before the
	 * listing (written as a whole while the revision holds), or of single products (each
	 * checked against its category entry).
	 */
	private final class FencedWrite {

		private final List<List<Priced>> groups = new ArrayList<>();

		private int size;

		void add(Priced priced) {
			List<Priced> last = this.groups.isEmpty() ? null : this.groups.get(this.groups.size() - 1);
			if (last == null || !last.get(0).sameGroup(priced)) {
				last = new ArrayList<>();
				this.groups.add(last);
			}
			last.add(priced);
			this.size++;
		}

		int size() {
			return this.size;
		}

		List<Priced> group(int index) {
			return this.groups.get(index);
		}

		CompletionStage<List<Object>> submit(ClusterAwareConnection connection, RedisKeys.Partition keys,
				long fencingToken) {
			String lock = Recalculator.this.properties.lockName();
			List<String> scriptKeys = new ArrayList<>(this.size + 3 + this.groups.size());
			List<String> args = new ArrayList<>(this.size * 3 + 1 + this.groups.size() * 4);
			scriptKeys.addAll(List.of(keys.priceFence(lock), keys.priceFenceRejections(lock), keys.catalogRevisions()));
			args.add(String.valueOf(fencingToken));
			for (List<Priced> group : this.groups) {
				Priced first = group.get(0);
				if (first.revision() != null) {
					args.addAll(
							List.of("r", first.product().category(), first.revision(), String.valueOf(group.size())));
				}
				else {
					scriptKeys.add(keys.category(first.product().category()));
					args.addAll(List.of("i", String.valueOf(group.size())));
					group.forEach((priced) -> args.add(priced.product().id()));
					group.forEach((priced) -> args.add(priced.inputs()));
				}
				group.forEach((priced) -> scriptKeys.add(keys.price(priced.product().id())));
				group.forEach((priced) -> args.add(priced.price()));
			}
			return WRITE_FENCED.submit(connection.async(), ScriptOutputType.MULTI, scriptKeys.toArray(String[]::new),
					args.toArray(String[]::new));
		}

	}

	/**
	 * A price computed in a pass.
	 *
	 * @param product the product
	 * @param inputs the pricing inputs it was computed from, as stored
	 * @param revision the revision of the category's entries seen before they were
	 * listed, or {@code null} when the price is checked against its category entry
	 * @param demand the demand factors it was computed with
	 * @param price the encoded price
	 */
	private record Priced(Product product, String inputs, String revision, DemandFactors demand, String price) {

		boolean sameGroup(Priced other) {
			return this.product.category().equals(other.product.category())
					&& Objects.equals(this.revision, other.revision);
		}

		/** The same price, checked against its category entry when written. */
		Priced checked() {
			return new Priced(this.product, this.inputs, null, this.demand, this.price);
		}

	}

	/**
	 * A batch's write in flight.
	 *
	 * @param size the products the batch covered
	 * @param write what was sent
	 * @param reply the script's reply
	 * @param span the batch's span
	 */
	private record PendingWrite(long size, FencedWrite write, CompletableFuture<List<Object>> reply, Span span) {

		boolean isDone() {
			return this.reply.isDone();
		}

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

		Collection<String> categories(RedisClusterCommands<String, String> redis, RedisKeys.Partition keys) {
			return this.all ? redis.smembers(keys.categories()) : this.categories;
		}

	}

	/** Told how far a recalculation is. */
	@FunctionalInterface
	public interface Progress {

		/**
		 * How far the recalculation is.
		 * @param processed products processed so far
		 * @param total products in its scope (counted at its start)
		 */
		void report(long processed, long total);

	}

	/**
	 * What a recalculation did.
	 *
	 * @param processed products recalculated
	 * @param total products in the event's scope
	 * @param skipped products left out because their catalog record is malformed
	 */
	public record Result(long processed, long total, List<String> skipped) {

	}

}
