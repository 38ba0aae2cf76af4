package dev.pricingengine.worker.job;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.market.DemandFactors;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.pricing.PricingRule;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.test.RedisTestConfiguration;
import dev.pricingengine.worker.recalc.FencedOutException;
import dev.pricingengine.worker.recalc.Recalculator;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.Consumer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RFencedLock;
import org.redisson.api.RedissonClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Workers (two consumers) against a real Redis, on pricing data of three partitions: jobs
 * are put on the stream as the listener puts them (a task for each partition of the
 * event's scope), and the outcome is checked against the pricing rule.
 */
@SpringBootTest(properties = { "pricing.partitions=3", "pricing.worker.concurrency=2", "pricing.worker.batch-size=7",
		"pricing.worker.retry.initial-delay=10ms", "pricing.worker.retry.max-delay=50ms",
		"pricing.worker.claim-idle=1s", "pricing.worker.max-deliveries=3" })
@Import(RedisTestConfiguration.class)
class WorkerIntegrationTests {

	private static final int PRODUCTS_PER_CATEGORY = 15;

	private static final List<String> CATEGORIES = List.of("C-1", "C-2", "C-3");

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Autowired
	private LettuceConnectionFactory connectionFactory;

	@Autowired
	private RedissonClient redisson;

	@Autowired
	private Recalculator recalculator;

	@Autowired
	private MeterRegistry meters;

	private final Map<String, Product> catalog = new HashMap<>();

	private long sequence;

	@BeforeEach
	void seedCatalog() {
		for (String category : CATEGORIES) {
			for (int i = 0; i < PRODUCTS_PER_CATEGORY; i++) {
				BigDecimal base = BigDecimal.valueOf(1000 + i * 137 + category.hashCode() % 100, 2);
				Product product = new Product(category + "-P" + i, category, base,
						base.multiply(new BigDecimal("0.80")).setScale(2, RoundingMode.HALF_EVEN),
						base.multiply(new BigDecimal("1.50")).setScale(2, RoundingMode.HALF_EVEN));
				redis().hset(this.keys.product(product.id()), ProductCodec.toHash(product));
				redis().del(this.keys.price(product.id()));
				RedisKeys.Partition partition = this.keys.partitionFor(product.id());
				redis().hset(partition.category(category), product.id(), ProductCodec.toInputs(product));
				redis().sadd(partition.categories(), category);
				this.catalog.put(product.id(), product);
			}
		}
		for (RedisKeys.Partition partition : partitions()) {
			redis().del(partition.market(), fence(partition), fenceRejections(partition));
			redis().del(this.keys.coalescedEvents(partition.index()));
		}
		redis().del(this.keys.faults());
		this.sequence = redis().incrby(this.keys.eventSequence(), 1000);
	}

	@Test
	void recalculatesTheEventsScopeWithTheFencingToken() {
		String job = enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.2"), "C-1", null, null));
		Map<String, String> status = awaitFinished(job);
		assertThat(status).containsEntry("state", "SUCCEEDED")
			.containsEntry("processed", String.valueOf(PRODUCTS_PER_CATEGORY))
			.containsEntry("total", String.valueOf(PRODUCTS_PER_CATEGORY))
			.containsEntry("attempts", "1")
			.containsEntry("lock_expired", "false")
			.containsKeys("fencing_token", "locked_at", "unlocked_at", "worker", "started_at", "finished_at");
		assertThat(Long.parseLong(status.get("locked_at")))
			.isLessThanOrEqualTo(Long.parseLong(status.get("unlocked_at")));
		assertThat(status).containsEntry("partitions", "0,1,2");
		for (Product product : this.catalog.values()) {
			String stored = redis().get(this.keys.price(product.id()));
			if (product.category().equals("C-1")) {
				assertThat(MarketPriceCodec.decode(stored).price()).isEqualByComparingTo(PricingRule
					.marketPrice(product, new DemandFactors(BigDecimal.ONE, new BigDecimal("1.2"), BigDecimal.ONE)));
				assertThat(MarketPriceCodec.decode(stored).version()).as("the token of the task of its partition")
					.isEqualTo(token(status, product.id()));
			}
			else {
				assertThat(stored).as("price of %s outside the scope", product.id()).isNull();
			}
		}
	}

	@Test
	void theNewestSequenceWinsWhateverTheArrivalOrder() {
		long newer = this.sequence + 20;
		long older = this.sequence + 10;
		String first = enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.5"), null, null, null),
				newer);
		String second = enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("0.5"), null, null, null),
				older);
		assertThat(awaitFinished(first).get("state")).isIn("SUCCEEDED", "COALESCED");
		assertThat(awaitFinished(second).get("state")).isIn("SUCCEEDED", "COALESCED");
		awaitQuiet();
		assertMarket("global", "1.5");
		assertPricesFollowTheRule();
	}

	@Test
	void noEffectIsLostAndRecalculationsNeverOverlapUnderConcurrentEvents() {
		Random random = new Random(42);
		List<String> jobs = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			BigDecimal factor = BigDecimal.valueOf(50 + random.nextInt(150), 2);
			MarketEvent event = switch (random.nextInt(4)) {
				case 0 -> new MarketEvent(MarketEventType.DEMAND_FACTOR, factor, null, null, null);
				case 1 -> new MarketEvent(MarketEventType.DEMAND_FACTOR, factor,
						CATEGORIES.get(random.nextInt(CATEGORIES.size())), null, null);
				case 2 -> new MarketEvent(MarketEventType.DEMAND_FACTOR, factor, null,
						"C-2-P" + random.nextInt(PRODUCTS_PER_CATEGORY), null);
				default -> new MarketEvent(MarketEventType.BASE_PRICE, null, null,
						"C-3-P" + random.nextInt(PRODUCTS_PER_CATEGORY),
						BigDecimal.valueOf(900 + random.nextInt(900), 2));
			};
			jobs.add(enqueue(event));
		}
		Map<Integer, List<long[]>> lockIntervals = new HashMap<>();
		for (String job : jobs) {
			Map<String, String> status = awaitFinished(job);
			assertThat(status.get("state")).isIn("SUCCEEDED", "COALESCED");
			for (String partition : status.get("partitions").split(",")) {
				String prefix = "partition:" + partition + ":";
				if ("SUCCEEDED".equals(status.get(prefix + "state"))) {
					lockIntervals.computeIfAbsent(Integer.valueOf(partition), (key) -> new ArrayList<>())
						.add(new long[] { Long.parseLong(status.get(prefix + "locked_at")),
								Long.parseLong(status.get(prefix + "unlocked_at")) });
				}
			}
		}
		awaitQuiet();
		assertPricesFollowTheRule();
		assertThat(lockIntervals).as("partitions whose tasks ran under their lock").hasSize(this.keys.partitions());
		lockIntervals.forEach((partition, intervals) -> {
			intervals.sort(Comparator.comparingLong((interval) -> interval[0]));
			for (int i = 1; i < intervals.size(); i++) {
				assertThat(intervals.get(i)[0])
					.as("lock of partition %d taken before the previous holder released it", partition)
					.isGreaterThanOrEqualTo(intervals.get(i - 1)[1]);
			}
		});
	}

	@Test
	void jobsThatFindTheLockHeldAreCoalescedIntoOnePassByTheHolder() {
		List<RFencedLock> locks = lockEveryPartition();
		List<String> jobs = new ArrayList<>();
		try {
			for (int i = 0; i < 10; i++) {
				jobs.add(enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, BigDecimal.valueOf(110 + i, 2),
						CATEGORIES.get(i % CATEGORIES.size()), null, null)));
			}
			for (String job : jobs) {
				assertThat(awaitFinished(job)).containsEntry("state", "COALESCED").containsEntry("coalesced", "0,1,2");
			}
			for (RedisKeys.Partition partition : partitions()) {
				assertThat(redis().hlen(this.keys.coalescedEvents(partition.index()))).isEqualTo(10);
			}
		}
		finally {
			locks.forEach(RFencedLock::unlock);
		}
		awaitQuiet();
		assertMarket("category:C-1", "1.19");
		assertPricesFollowTheRule();
		assertThat(redis().get(this.keys.price("C-2-P3"))).isNotNull();
	}

	@Test
	void aBacklogIsWorkedOffInAHoldOfEachPartitionNotAHoldPerEntry() {
		Map<Integer, Long> tokens = new HashMap<>();
		partitions().forEach((partition) -> tokens.put(partition.index(), lock(partition).getToken()));
		List<MarketEvent> events = IntStream.range(0, 12)
			.mapToObj((i) -> new MarketEvent(MarketEventType.DEMAND_FACTOR, BigDecimal.valueOf(120 + i, 2), null, null,
					null))
			.toList();
		// a backlog, as after an outage: every entry is on the stream before a consumer
		// reads one
		List<String> jobs = enqueueAtOnce(events);
		for (String job : jobs) {
			assertThat(awaitFinished(job).get("state")).isIn("SUCCEEDED", "COALESCED");
		}
		awaitQuiet();
		assertMarket("global", "1.31");
		assertPricesFollowTheRule();
		for (RedisKeys.Partition partition : partitions()) {
			long holds = lock(partition).getToken() - tokens.get(partition.index());
			assertThat(holds)
				.as("holds of partition %d's lock for the %d entries of its tasks", partition.index(), events.size())
				.isLessThanOrEqualTo(3);
		}
	}

	@Test
	void aWriterWithAnOlderFencingTokenIsRefused() {
		RedisKeys.Partition partition = this.keys.partitionFor("C-1-P0");
		List<String> ids = productsOf(partition, "C-1");
		String other = productsOf(partition, "C-2").get(0);
		LuaScript write = LuaScript.fromClasspath("scripts/write-prices-fenced.lua");
		String[] keys = { fence(partition), fenceRejections(partition), partition.catalogRevisions(),
				partition.category("C-1"), partition.price(ids.get(0)), partition.price(ids.get(1)) };
		String[] inputs = { "i", "2", ids.get(0), ids.get(1), ProductCodec.toInputs(this.catalog.get(ids.get(0))),
				ProductCodec.toInputs(this.catalog.get(ids.get(1))) };
		List<Long> newer = write.call(redis(), ScriptOutputType.MULTI, keys,
				concat("9", inputs, "12.00|10.00|0|9", "13.00|10.00|0|9"));
		List<Long> stale = write.call(redis(), ScriptOutputType.MULTI, keys,
				concat("5", inputs, "11.00|10.00|0|5", "11.00|10.00|0|5"));
		assertThat(newer).containsExactly(2L);
		assertThat(stale).containsExactly(-1L);
		assertThat(redis().mget(keys[4], keys[5])).extracting(KeyValue::getValue)
			.containsExactly("12.00|10.00|0|9", "13.00|10.00|0|9");
		assertThat(redis().get(fenceRejections(partition))).as("refused writes, counted").isEqualTo("1");
		assertThatExceptionOfType(FencedOutException.class).isThrownBy(() -> this.recalculator
			.recalculate(partition.index(), Recalculator.Scope.of(MarketEvent.RECALCULATE), 8, (processed, total) -> {
			}));
		assertThat(redis().get(this.keys.price(other))).isNull();
	}

	@Test
	void aJobWhoseWritesAreFencedOutRunsAgainUnderANewToken() {
		RedisKeys.Partition partition = this.keys.partition(1);
		RFencedLock lock = lock(partition);
		long current = lock.tryLockAndGetToken(0, TimeUnit.MILLISECONDS);
		lock.unlock();
		// as if a holder with the token after the next one had written meanwhile
		redis().set(fence(partition), String.valueOf(current + 2));
		Map<String, String> status = awaitFinished(enqueue(MarketEvent.RECALCULATE));
		assertThat(status).containsEntry("state", "SUCCEEDED").containsEntry("partition:0:attempts", "1");
		assertThat(Integer.parseInt(status.get("partition:1:attempts"))).isGreaterThan(1);
		assertThat(Integer.parseInt(status.get("attempts"))).as("the most of any partition").isGreaterThan(1);
		assertThat(Long.parseLong(status.get("partition:1:fencing_token"))).isGreaterThanOrEqualTo(current + 2);
		assertThat(redis().get(fenceRejections(partition))).as("refused writes, counted").isNotNull();
		assertThat(redis().get(this.keys.price("C-2-P3"))).isNotNull();
		assertPricesFollowTheRule();
	}

	@Test
	void aJobThatCannotSucceedIsDeadLetteredWithItsReason() {
		String job = enqueue(
				new MarketEvent(MarketEventType.BASE_PRICE, null, null, "P-not-in-catalog", new BigDecimal("10.00")));
		Map<String, String> status = awaitFinished(job);
		assertThat(status).containsEntry("state", "DEAD_LETTERED")
			.containsEntry("attempts", "1")
			.containsKeys("envelope", "dead_letter", "finished_at");
		assertThat(status.get("error")).contains("P-not-in-catalog");
		assertThat(redis().pttl(this.keys.job(job))).as("the status is kept as long as its dead letter (7 days)")
			.isGreaterThan(Duration.ofDays(7).minusMinutes(1).toMillis());
		assertThat(redis().xrange(this.keys.deadLetters(), Range.create("-", "+")))
			.anySatisfy((entry) -> assertThat(entry.getBody()).containsEntry("event_id", job));
	}

	@Test
	void aMalformedJobIsDeadLetteredAndTheWorkersGoOn() {
		String garbage = UUID.randomUUID().toString();
		redis().xadd(this.keys.jobStream(), Map.of("event_id", garbage, "envelope", "not an envelope"));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> "DEAD_LETTERED".equals(redis().hget(this.keys.job(garbage), "state")));
		String job = enqueue(MarketEvent.RECALCULATE);
		assertThat(awaitFinished(job)).containsEntry("state", "SUCCEEDED");
	}

	@Test
	void retriesTransientFailuresAndDeadLettersAJobWhenTheyPersist() {
		double retries = counter("pricing.worker.job.retries");
		double deadLetters = counter("pricing.worker.dead.letters", "reason", "failed");
		redis().hset(this.keys.faults(), new FaultSettings(1.0, 0, 0).toHash());
		Map<String, String> status = awaitFinished(enqueue(MarketEvent.RECALCULATE));
		assertThat(status).containsEntry("state", "DEAD_LETTERED").containsEntry("attempts", "6");
		assertThat(status.get("error")).contains("ExternalApiTimeoutException");
		// a task for each partition, each retried and dead-lettered
		int partitions = this.keys.partitions();
		assertThat(counter("pricing.worker.job.retries") - retries).isEqualTo(5 * partitions);
		assertThat(counter("pricing.worker.dead.letters", "reason", "failed") - deadLetters).isEqualTo(partitions);
	}

	/**
	 * Injected batch latency slows a job's pass under the lock, batch by batch (what an
	 * operator needs to watch a long recalculation, or a test to catch one), and the
	 * prices still follow the rule.
	 */
	@Test
	void injectedBatchLatencyKeepsTheLockHeldForEveryBatchOfThePass() {
		long batchLatencyMs = 200;
		redis().hset(this.keys.faults(), Map.of("batch_latency_ms", String.valueOf(batchLatencyMs)));
		Map<String, String> status = awaitFinished(enqueue(MarketEvent.RECALCULATE));
		assertThat(status).containsEntry("state", "SUCCEEDED");
		for (String partition : status.get("partitions").split(",")) {
			String prefix = "partition:" + partition + ":";
			long total = Long.parseLong(status.get(prefix + "total"));
			long batches = (total + 6) / 7;
			long held = Long.parseLong(status.get(prefix + "unlocked_at"))
					- Long.parseLong(status.get(prefix + "locked_at"));
			assertThat(held).as("ms partition %s's lock was held for %s batches of 7", partition, batches)
				.isGreaterThanOrEqualTo(batches * batchLatencyMs);
		}
		awaitQuiet();
		assertPricesFollowTheRule();
	}

	@Test
	void measuresJobsTheLockTheRecalculationAndTheStream() {
		double succeeded = counter("pricing.worker.jobs", "outcome", "succeeded");
		double recalculated = counter("pricing.worker.recalculated.prices");
		awaitFinished(enqueue(MarketEvent.RECALCULATE));
		awaitQuiet();
		assertThat(counter("pricing.worker.jobs", "outcome", "succeeded") - succeeded).as("a task per partition")
			.isEqualTo(this.keys.partitions());
		assertThat(counter("pricing.worker.recalculated.prices") - recalculated)
			.isEqualTo(CATEGORIES.size() * PRODUCTS_PER_CATEGORY);
		assertThat(this.meters.get("pricing.worker.lock.acquire").tag("acquired", "true").timer().count()).isPositive();
		assertThat(this.meters.get("pricing.worker.lock.held").timer().count()).isPositive();
		assertThat(this.meters.get("pricing.worker.job.queue.wait").timer().count()).isPositive();
		assertThat(this.meters.get("pricing.worker.stream.pending").gauge().value()).isZero();
		assertThat(this.meters.get("pricing.worker.stream.lag").gauge().value()).isZero();
	}

	/**
	 * A price a recalculation finds unchanged is not rewritten (no write, no invalidation
	 * of the API's in-memory copies); a read-path write-back with the same value is
	 * replaced by a lasting price.
	 */
	@Test
	void aRecalculationRewritesOnlyThePricesThatChanged() {
		long first = token(awaitFinished(enqueue(MarketEvent.RECALCULATE)), "C-1-P1");
		awaitFinished(
				enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.1"), "C-2", null, null)));
		awaitQuiet();
		Map<String, String> before = new HashMap<>();
		this.catalog.keySet().forEach((id) -> before.put(id, redis().get(this.keys.price(id))));
		MarketPrice writtenBack = MarketPriceCodec.decode(before.get("C-1-P0"));
		redis().set(this.keys.price("C-1-P0"), MarketPriceCodec
			.encode(new MarketPrice(writtenBack.price(), writtenBack.basePrice(), writtenBack.computedAt(), 0)));
		double recalculated = counter("pricing.worker.recalculated.prices");

		Map<String, String> status = awaitFinished(enqueue(MarketEvent.RECALCULATE));
		awaitQuiet();
		assertThat(status).containsEntry("state", "SUCCEEDED")
			.containsEntry("processed", String.valueOf(CATEGORIES.size() * PRODUCTS_PER_CATEGORY));
		assertThat(counter("pricing.worker.recalculated.prices") - recalculated).as("prices written").isEqualTo(1);
		assertThat(MarketPriceCodec.decode(redis().get(this.keys.price("C-1-P0"))).version())
			.isEqualTo(token(status, "C-1-P0"));
		assertThat(MarketPriceCodec.decode(before.get("C-1-P1")).version()).isEqualTo(first);
		before.remove("C-1-P0");
		before.forEach((id, price) -> assertThat(redis().get(this.keys.price(id))).as(id).isEqualTo(price));
		assertPricesFollowTheRule();
	}

	@Test
	void storedPricesAreReadOnlyWhileSomeTurnOutUnchanged() {
		RedisKeys.Partition partition = this.keys.partitionFor("C-3-P14");
		Recalculator.Scope everything = Recalculator.Scope.of(MarketEvent.RECALCULATE);
		this.recalculator.recalculate(partition.index(), everything, 1, (processed, total) -> {
		});
		long before = mgetCalls(partition);
		this.recalculator.recalculate(partition.index(), everything, 2, (processed, total) -> {
		});
		long unchangedPass = mgetCalls(partition) - before;
		redis().hset(partition.market(), "global", "1.5");
		before = mgetCalls(partition);
		this.recalculator.recalculate(partition.index(), everything, 3, (processed, total) -> {
		});
		long changedPass = mgetCalls(partition) - before;
		int products = CATEGORIES.stream().mapToInt((category) -> productsOf(partition, category).size()).sum();
		int batches = (products + 6) / 7; // batch-size=7
		assertThat(batches).as("batches of the partition").isGreaterThan(2);
		assertThat(unchangedPass).as("every batch of a pass that finds prices unchanged reads them").isEqualTo(batches);
		// the second batch's reads are sent before the first batch's answer is priced
		assertThat(changedPass).as("a pass that finds every price changed stops reading them").isEqualTo(2);
		assertPricesFollowTheRule();
		assertThat(MarketPriceCodec.decode(redis().get(this.keys.price("C-3-P14"))).version()).isEqualTo(3);
	}

	private long mgetCalls(RedisKeys.Partition partition) {
		// on Redis Cluster, the node serving the partition
		String stats = this.redisConnection.connection().nodeOf(partition.market()).join().sync().info("commandstats");
		Matcher calls = Pattern.compile("cmdstat_mget:calls=(\\d+)").matcher(stats);
		return calls.find() ? Long.parseLong(calls.group(1)) : 0;
	}

	private double counter(String name, String... tags) {
		Counter counter = this.meters.find(name).tags(tags).counter();
		return (counter != null) ? counter.count() : 0;
	}

	/**
	 * A catalog import that replaces products' inputs while a pass recalculates their
	 * category: no price computed from the replaced inputs may be stored. The test
	 * changes inputs the way {@code apply-catalog-import.lua} does (product hash, its
	 * category entry, the cached price dropped, the category's revision bumped, in one
	 * transaction) and keeps its own record of every product's newest inputs, which the
	 * stored prices are checked against.
	 */
	@Test
	void aCatalogChangeDuringARecalculationNeverLeavesAPriceFromReplacedInputs() throws Exception {
		String category = "C-import";
		int size = 3000;
		Map<String, Product> record = new ConcurrentHashMap<>();
		for (int i = 0; i < size; i++) {
			Product product = product(category, "C-import-P" + i, BigDecimal.valueOf(1000 + i, 2));
			redis().hset(this.keys.product(product.id()), ProductCodec.toHash(product));
			redis().hset(this.keys.partitionFor(product.id()).category(category), product.id(),
					ProductCodec.toInputs(product));
			record.put(product.id(), product);
		}
		partitions().forEach((partition) -> redis().hset(partition.market(), "category:" + category, "1.30"));
		double replacedBefore = counter("pricing.worker.replaced.inputs");
		AtomicBoolean passing = new AtomicBoolean(true);
		AtomicInteger replaced = new AtomicInteger();
		Thread importer = new Thread(() -> {
			Random random = new Random(7);
			try (ClusterAwareConnection own = ClusterAwareConnection.open(this.connectionFactory)) {
				while (passing.get()) {
					String id = "C-import-P" + random.nextInt(size);
					Product product = product(category, id, BigDecimal.valueOf(1000 + random.nextInt(90_000), 2));
					// a transaction on the slot of the product's partition
					RedisKeys.Partition partition = this.keys.partitionFor(id);
					RedisCommands<String, String> redis = own.nodeOf(partition.catalogRevisions()).join().sync();
					redis.multi();
					redis.hset(partition.product(id), ProductCodec.toHash(product));
					redis.hincrby(partition.product(id), "rev", 1);
					redis.hset(partition.category(category), id, ProductCodec.toInputs(product));
					redis.del(partition.price(id));
					redis.hincrby(partition.catalogRevisions(), category, 1);
					redis.exec();
					record.put(id, product);
					replaced.incrementAndGet();
				}
			}
		}, "importer");
		importer.start();
		try {
			for (long token = 1; token <= 3; token++) {
				for (RedisKeys.Partition partition : partitions()) {
					this.recalculator.recalculate(partition.index(),
							new Recalculator.Scope(false, Set.of(category), Set.of()), token, (processed, total) -> {
							});
				}
			}
		}
		finally {
			passing.set(false);
			importer.join();
		}
		assertThat(replaced.get()).as("inputs replaced during the passes").isPositive();
		List<String> wrong = new ArrayList<>();
		for (Product product : record.values()) {
			String stored = redis().get(this.keys.price(product.id()));
			BigDecimal expected = PricingRule.marketPrice(product,
					new DemandFactors(BigDecimal.ONE, new BigDecimal("1.30"), BigDecimal.ONE));
			if (stored != null && MarketPriceCodec.decode(stored).price().compareTo(expected) != 0) {
				wrong.add(product.id() + ": stored " + MarketPriceCodec.decode(stored).price() + ", rule " + expected);
			}
		}
		assertThat(wrong).as("prices computed from replaced inputs (of %d replacements)", replaced.get()).isEmpty();
		assertThat(counter("pricing.worker.replaced.inputs") - replacedBefore)
			.as("prices not written because their inputs were replaced after they were listed")
			.isPositive();
	}

	private static String[] concat(String token, String[] group, String... prices) {
		List<String> args = new ArrayList<>(List.of(token));
		args.addAll(List.of(group));
		args.addAll(List.of(prices));
		return args.toArray(String[]::new);
	}

	private static Product product(String category, String id, BigDecimal base) {
		return new Product(id, category, base,
				base.multiply(new BigDecimal("0.80")).setScale(2, RoundingMode.HALF_EVEN),
				base.multiply(new BigDecimal("1.50")).setScale(2, RoundingMode.HALF_EVEN));
	}

	/**
	 * A status that expires while its job runs (a retention shorter than the queue's
	 * wait, or a slow attempt) must not come back as a partial hash without expiry: the
	 * worker's later writes would otherwise leave it for ever, without its envelope.
	 */
	@Test
	void aJobStatusThatExpiredMeanwhileIsNotRecreatedWithoutItsExpiry() {
		double outcomesBefore = outcomes();
		redis().hset(this.keys.faults(), new FaultSettings(0, 1500, 0).toHash());
		String job = enqueue(MarketEvent.RECALCULATE);
		redis().pexpire(this.keys.job(job), 700);
		await().atMost(Duration.ofSeconds(20)).until(() -> outcomes() > outcomesBefore);
		awaitQuiet();
		long ttl = redis().pttl(this.keys.job(job));
		if (ttl != -2) {
			assertThat(ttl).as("expiry of the job status written after it expired").isPositive();
			assertThat(redis().hgetall(this.keys.job(job))).containsKeys("state", "envelope");
		}
	}

	/**
	 * A worker that recorded a job's outcome and died before acknowledging its entry: the
	 * entry is taken over, but the job must not run again (a dead letter whose job later
	 * succeeds, or a second pass).
	 */
	@Test
	void anEntryWhoseJobAlreadyHasItsOutcomeIsNotRunAgain() {
		double outcomesBefore = outcomes();
		String job = enqueueDeliveredTo("dead-worker", MarketEvent.RECALCULATE, 0);
		redis().hset(this.keys.job(job), Map.of("state", "DEAD_LETTERED", "attempts", "6", "error", "gave up",
				"partition:0:state", "DEAD_LETTERED"));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> redis().xpending(this.keys.jobStream(), "workers").getCount() == 0);
		assertThat(redis().hgetall(this.keys.job(job))).containsEntry("state", "DEAD_LETTERED")
			.containsEntry("attempts", "6");
		assertThat(outcomes()).as("outcomes recorded").isEqualTo(outcomesBefore);
		assertThat(redis().get(this.keys.price(productsOf(this.keys.partition(0), "C-2").get(0))))
			.as("a price of the task's scope")
			.isNull();
	}

	/**
	 * The same after an upgrade: a listener from before partitions recorded the entry
	 * only as the job's {@code stream_entry}, a worker recorded its task's outcome
	 * (fields of its own) and died before acknowledging. Each field is read from the
	 * task, else from the job: the entry is the one the outcome is for.
	 */
	@Test
	void anEntryFromBeforePartitionsWhoseTaskHasItsOutcomeIsNotRunAgain() {
		double outcomesBefore = outcomes();
		String job = enqueueDeliveredTo("dead-worker", MarketEvent.RECALCULATE, 0);
		redis().hdel(this.keys.job(job), "partition:0:stream_entry", "partitions");
		redis().hset(this.keys.job(job), Map.of("state", "SUCCEEDED", "partition:0:state", "SUCCEEDED"));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> redis().xpending(this.keys.jobStream(), "workers").getCount() == 0);
		assertThat(outcomes()).as("outcomes recorded").isEqualTo(outcomesBefore);
		assertThat(redis().get(this.keys.price(productsOf(this.keys.partition(0), "C-2").get(0))))
			.as("a price of the task's scope")
			.isNull();
	}

	/**
	 * A job whose status expired before its tasks failed: the first task dead-lettered
	 * writes the status afresh (its dead letter must be found from it), listing every
	 * partition of the event's scope, so that each task's outcome is aggregated into the
	 * job's.
	 */
	@Test
	void aStatusWrittenAfreshByADeadLetterListsEveryPartitionOfTheEventsScope() {
		redis().hset(this.keys.faults(), new FaultSettings(1.0, 0, 0).toHash());
		String job = enqueue(MarketEvent.RECALCULATE);
		redis().del(this.keys.job(job));
		List<String> scope = partitions().stream().map((partition) -> String.valueOf(partition.index())).toList();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> scope.stream()
				.allMatch((partition) -> "DEAD_LETTERED"
					.equals(redis().hget(this.keys.job(job), "partition:" + partition + ":state"))));
		Map<String, String> status = redis().hgetall(this.keys.job(job));
		assertThat(status.get("partitions").split(",")).as("the job's partitions")
			.containsExactlyInAnyOrderElementsOf(scope);
		assertThat(status).containsEntry("state", "DEAD_LETTERED").containsKeys("dead_letter", "finished_at");
	}

	@Test
	void aMalformedCatalogEntryIsSkippedNamedAndCountedAndTheRestIsPriced() {
		double skippedBefore = counter("pricing.worker.skipped.records");
		redis().hset(this.keys.partitionFor("C-1-broken").category("C-1"), "C-1-broken", "12.00|not a price");
		try {
			Map<String, String> status = awaitFinished(
					enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.2"), "C-1", null, null)));
			assertThat(status).containsEntry("state", "SUCCEEDED")
				.containsEntry("processed", String.valueOf(PRODUCTS_PER_CATEGORY))
				.containsEntry("skipped", "C-1-broken");
			assertThat(counter("pricing.worker.skipped.records") - skippedBefore).isEqualTo(1);
		}
		finally {
			redis().hdel(this.keys.partitionFor("C-1-broken").category("C-1"), "C-1-broken");
		}
		this.catalog.values()
			.stream()
			.filter((product) -> product.category().equals("C-1"))
			.forEach((product) -> assertThat(redis().get(this.keys.price(product.id()))).as(product.id()).isNotNull());
		assertPricesFollowTheRule();
	}

	/**
	 * A task handed to the holder of its partition's lock, whose event the holder's drain
	 * then cannot apply: the job ends dead-lettered, and no longer names the partition as
	 * coalesced (its status said so until the drain).
	 */
	@Test
	void aCoalescedTaskThatIsThenDeadLetteredLeavesNoStaleAggregate() {
		String product = "P-never-in-catalog";
		RedisKeys.Partition partition = this.keys.partitionFor(product);
		RFencedLock lock = lock(partition);
		lock.lockAndGetToken();
		String job;
		try {
			job = enqueue(new MarketEvent(MarketEventType.BASE_PRICE, null, null, product, new BigDecimal("10.00")));
			assertThat(awaitFinished(job)).containsEntry("state", "COALESCED")
				.containsEntry("coalesced", String.valueOf(partition.index()));
		}
		finally {
			lock.unlock();
		}
		await().atMost(Duration.ofSeconds(20))
			.until(() -> "DEAD_LETTERED".equals(redis().hget(this.keys.job(job), "state")));
		assertThat(redis().hgetall(this.keys.job(job))).doesNotContainKey("coalesced")
			.containsKeys("dead_letter", "finished_at")
			.containsEntry("partition:" + partition.index() + ":state", "DEAD_LETTERED");
	}

	@Test
	void aMalformedCoalescedEventIsDeadLetteredAndTheOthersAreApplied() {
		List<RFencedLock> locks = lockEveryPartition();
		String bad = UUID.randomUUID().toString();
		try {
			redis().hset(this.keys.coalescedEvents(1), bad, "{\"not\":\"an envelope\"}");
			String job = enqueue(
					new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.25"), "C-3", null, null));
			assertThat(awaitFinished(job)).containsEntry("state", "COALESCED");
		}
		finally {
			locks.forEach(RFencedLock::unlock);
		}
		awaitQuiet();
		assertMarket("category:C-3", "1.25");
		assertThat(redis().xrange(this.keys.deadLetters(), Range.create("-", "+")))
			.anySatisfy((entry) -> assertThat(entry.getBody()).containsEntry("event_id", bad)
				.hasEntrySatisfying("error", (error) -> assertThat(error).startsWith("Malformed")));
		assertPricesFollowTheRule();
	}

	private double outcomes() {
		return this.meters.find("pricing.worker.jobs").counters().stream().mapToDouble(Counter::count).sum();
	}

	@Test
	void jobsSucceedThroughAFiftyPercentFailureRate() {
		redis().hset(this.keys.faults(), new FaultSettings(0.5, 0, 0).toHash());
		List<String> jobs = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			jobs.add(enqueue(new MarketEvent(MarketEventType.DEMAND_FACTOR, new BigDecimal("1.1"), "C-1", null, null)));
		}
		List<Map<String, String>> outcomes = jobs.stream().map(this::awaitFinished).toList();
		// Each job fails all 6 attempts of its market-data step with probability 1/64;
		// retries happen with near certainty. Jobs that find the lock held are coalesced.
		assertThat(outcomes).filteredOn((status) -> "DEAD_LETTERED".equals(status.get("state")))
			.as("dead-lettered")
			.hasSizeLessThan(5);
		assertThat(outcomes)
			.anySatisfy((status) -> assertThat(Integer.parseInt(status.get("attempts"))).isGreaterThan(1));
		assertThat(outcomes).filteredOn((status) -> "DEAD_LETTERED".equals(status.get("state")))
			.allSatisfy((status) -> assertThat(status).containsEntry("attempts", "6"));
	}

	@Test
	void aJobLeftUnacknowledgedByADeadWorkerIsTakenOver() {
		String job = enqueueDeliveredTo("dead-worker", MarketEvent.RECALCULATE, 0);
		Map<String, String> status = awaitFinished(job);
		assertThat(status).containsEntry("state", "SUCCEEDED");
		assertThat(status.get("worker")).isNotEqualTo("dead-worker");
	}

	@Test
	void aJobThatKeepsComingBackIsDeadLetteredAsPoison() {
		String job = enqueueDeliveredTo("dead-worker", MarketEvent.RECALCULATE, 3);
		Map<String, String> status = awaitFinished(job);
		assertThat(status).containsEntry("state", "DEAD_LETTERED");
		assertThat(status.get("error")).startsWith("Poison");
	}

	/**
	 * Enqueues a job and hands it to a consumer that never acknowledges it, atomically so
	 * that no live worker gets it first; then claims it again {@code redeliveries} times
	 * for that consumer.
	 */
	private String enqueueDeliveredTo(String deadConsumer, MarketEvent event, int redeliveries) {
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), ++this.sequence, event, Instant.now());
		String json = EnvelopeCodec.encode(envelope);
		redis().hset(this.keys.job(envelope.eventId()), Map.of("state", "QUEUED", "envelope", json, "sequence",
				String.valueOf(envelope.sequence()), "attempts", "0", "partitions", "0"));
		try (ClusterAwareConnection own = ClusterAwareConnection.open(this.connectionFactory)) {
			// a transaction on the intake's slot
			RedisCommands<String, String> redis = own.nodeOf(this.keys.jobStream()).join().sync();
			redis.multi();
			redis.xadd(this.keys.jobStream(),
					Map.of("event_id", envelope.eventId(), "envelope", json, "partition", "0"));
			redis.xreadgroup(Consumer.from("workers", deadConsumer), XReadArgs.Builder.count(1),
					XReadArgs.StreamOffset.lastConsumed(this.keys.jobStream()));
			TransactionResult result = redis.exec();
			String entryId = result.get(0);
			redis.hset(this.keys.job(envelope.eventId()),
					Map.of("stream_entry", entryId, "partition:0:stream_entry", entryId));
			for (int i = 0; i < redeliveries; i++) {
				redis.xclaim(this.keys.jobStream(), Consumer.from("workers", deadConsumer), 0, entryId);
			}
		}
		return envelope.eventId();
	}

	/**
	 * Until no handed-over event is left and nobody holds a partition's recalculation
	 * lock.
	 */
	private void awaitQuiet() {
		for (RedisKeys.Partition partition : partitions()) {
			RFencedLock lock = lock(partition);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> redis().hlen(this.keys.coalescedEvents(partition.index())) == 0 && !lock.isLocked());
		}
	}

	/** Holds every partition's recalculation lock. */
	private List<RFencedLock> lockEveryPartition() {
		List<RFencedLock> locks = new ArrayList<>();
		for (RedisKeys.Partition partition : partitions()) {
			RFencedLock lock = lock(partition);
			lock.lockAndGetToken();
			locks.add(lock);
		}
		return locks;
	}

	private RFencedLock lock(RedisKeys.Partition partition) {
		return this.redisson.getFencedLock(partition.recalculationLock("recalculate_global_lock"));
	}

	/** Every partition's copy of the market state holds the value. */
	private void assertMarket(String field, String value) {
		for (RedisKeys.Partition partition : partitions()) {
			assertThat(redis().hget(partition.market(), field)).as("%s in partition %d", field, partition.index())
				.isEqualTo(value);
		}
	}

	private List<RedisKeys.Partition> partitions() {
		return IntStream.range(0, this.keys.partitions()).mapToObj(this.keys::partition).toList();
	}

	/** The seeded products of a category in a partition, by id. */
	private List<String> productsOf(RedisKeys.Partition partition, String category) {
		return this.catalog.values()
			.stream()
			.filter((product) -> product.category().equals(category))
			.map(Product::id)
			.filter((id) -> this.keys.partitionOf(id) == partition.index())
			.sorted()
			.toList();
	}

	/** The fencing token of the job's task of a product's partition. */
	private long token(Map<String, String> status, String productId) {
		return Long.parseLong(status.get("partition:" + this.keys.partitionOf(productId) + ":fencing_token"));
	}

	private void assertPricesFollowTheRule() {
		for (Product seeded : this.catalog.values()) {
			RedisKeys.Partition partition = this.keys.partitionFor(seeded.id());
			Map<String, String> market = redis().hgetall(partition.market());
			BigDecimal global = factor(market.get("global"));
			Product product = ProductCodec.fromHash(seeded.id(), redis().hgetall(this.keys.product(seeded.id())));
			assertThat(redis().hget(partition.category(product.category()), product.id()))
				.as("pricing inputs of %s in its category's hash", product.id())
				.isEqualTo(ProductCodec.toInputs(product));
			DemandFactors factors = new DemandFactors(global, factor(market.get("category:" + product.category())),
					factor(market.get("product:" + product.id())));
			String stored = redis().get(this.keys.price(product.id()));
			if (stored != null) {
				assertThat(MarketPriceCodec.decode(stored).price()).as("price of %s", product.id())
					.isEqualByComparingTo(PricingRule.marketPrice(product, factors));
			}
		}
	}

	private static BigDecimal factor(String stored) {
		return (stored != null) ? new BigDecimal(stored) : BigDecimal.ONE;
	}

	private String enqueue(MarketEvent event) {
		return enqueue(event, ++this.sequence);
	}

	/**
	 * What the listener does for an event: a QUEUED status and a stream entry for each
	 * partition of its scope.
	 */
	private String enqueue(MarketEvent event, long sequence) {
		EventEnvelope envelope = queued(event, sequence);
		entries(envelope).forEach((entry) -> redis().xadd(this.keys.jobStream(), entry));
		return envelope.eventId();
	}

	/**
	 * Enqueues events in one transaction: a consumer reads none of their entries before
	 * all are on the stream.
	 */
	private List<String> enqueueAtOnce(List<MarketEvent> events) {
		List<EventEnvelope> envelopes = events.stream().map((event) -> queued(event, ++this.sequence)).toList();
		try (ClusterAwareConnection own = ClusterAwareConnection.open(this.connectionFactory)) {
			// a transaction on the intake's slot
			RedisCommands<String, String> redis = own.nodeOf(this.keys.jobStream()).join().sync();
			redis.multi();
			envelopes.stream()
				.flatMap((envelope) -> entries(envelope).stream())
				.forEach((entry) -> redis.xadd(this.keys.jobStream(), entry));
			redis.exec();
		}
		return envelopes.stream().map(EventEnvelope::eventId).toList();
	}

	/** Writes an event's QUEUED status, as the listener does before its entries. */
	private EventEnvelope queued(MarketEvent event, long sequence) {
		EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), sequence, event, Instant.now());
		List<String> partitions = partitionsOf(event);
		Map<String, String> status = new HashMap<>(Map.of("state", "QUEUED", "envelope", EnvelopeCodec.encode(envelope),
				"sequence", String.valueOf(sequence), "attempts", "0", "partitions", String.join(",", partitions)));
		partitions.forEach((partition) -> status.put("partition:" + partition + ":state", "QUEUED"));
		redis().hset(this.keys.job(envelope.eventId()), status);
		return envelope;
	}

	/** The job stream entries of an event: one for each partition of its scope. */
	private List<Map<String, String>> entries(EventEnvelope envelope) {
		String json = EnvelopeCodec.encode(envelope);
		return partitionsOf(envelope.event()).stream()
			.map((partition) -> Map.of("event_id", envelope.eventId(), "envelope", json, "partition", partition))
			.toList();
	}

	private List<String> partitionsOf(MarketEvent event) {
		return (event.productId() != null) ? List.of(String.valueOf(this.keys.partitionOf(event.productId())))
				: IntStream.range(0, this.keys.partitions()).mapToObj(String::valueOf).toList();
	}

	private Map<String, String> awaitFinished(String job) {
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			Map<String, String> status = redis().hgetall(this.keys.job(job));
			assertThat(status.get("state")).as("job %s: %s", job, status)
				.isIn("SUCCEEDED", "COALESCED", "DEAD_LETTERED");
		});
		return redis().hgetall(this.keys.job(job));
	}

	private static String fence(RedisKeys.Partition partition) {
		return partition.priceFence("recalculate_global_lock");
	}

	private static String fenceRejections(RedisKeys.Partition partition) {
		return partition.priceFenceRejections("recalculate_global_lock");
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

}
