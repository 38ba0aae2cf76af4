package dev.pricingengine.api.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Repository;

/**
 * The catalog in Redis. An import is streamed into a staging list first and applied only
 * once every entry has been read and validated, so a bad entry anywhere leaves the
 * catalog untouched, and memory stays bounded whatever the size of the import.
 */
@Repository
class CatalogRepository {

	private static final LuaScript APPLY_IMPORT = LuaScript.fromClasspath("scripts/apply-catalog-import.lua");

	private static final int STAGE_BATCH = 1000;

	private static final int APPLY_BATCH = 1000;

	private static final Duration STAGING_TTL = Duration.ofHours(1);

	/**
	 * Times a chunk reads its products' categories before giving up (another import moved
	 * one of them in between each time): 48 imports of one product, 8 at a time, needed
	 * more than 5.
	 */
	private static final int MAX_CHUNK_READS = 100;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	CatalogRepository(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	Mono<Product> find(String productId) {
		return redis().hmget(this.keys.product(productId), ProductCodec.FIELDS.toArray(String[]::new))
			.collectList()
			.filter((values) -> values.get(0).hasValue())
			.map((values) -> ProductCodec.fromValues(productId,
					values.stream().map((kv) -> kv.getValueOrElse(null)).toList()));
	}

	/** Whether no partition holds a product. */
	Mono<Boolean> isEmpty() {
		return Flux.range(0, this.keys.partitions())
			.concatMap((partition) -> redis().exists(this.keys.partition(partition).categories()))
			.all((count) -> count == 0);
	}

	/**
	 * Upserts products; all of them, or none if the stream fails.
	 * @param products the products, streamed
	 * @return how many were imported
	 */
	Mono<Long> importAll(Flux<Product> products) {
		return Mono.usingWhen(Mono.just(this.keys.catalogImport(UUID.randomUUID().toString())),
				(staging) -> stage(staging, products).flatMap((count) -> apply(staging, count).thenReturn(count)),
				this::discard, (staging, error) -> discard(staging), this::discard);
	}

	private Mono<Long> stage(String staging, Flux<Product> products) {
		return products.buffer(STAGE_BATCH)
			.concatMap((batch) -> redis().rpush(staging, flatten(batch))
				.then(redis().pexpire(staging, STAGING_TTL))
				.thenReturn((long) batch.size()))
			.reduce(0L, Long::sum);
	}

	private Mono<Void> apply(String staging, long count) {
		return Flux.range(0, (int) ((count + APPLY_BATCH - 1) / APPLY_BATCH))
			.concatMap((chunk) -> redis()
				.lrange(staging, (long) chunk * APPLY_BATCH * 5, ((long) chunk + 1) * APPLY_BATCH * 5 - 1)
				.collectList()
				.flatMapMany((entries) -> Flux.fromIterable(byPartition(entries).entrySet()))
				.concatMap((partition) -> applyChunk(this.keys.partition(partition.getKey()), partition.getValue(), 1)))
			.then();
	}

	/**
	 * Splits a chunk of staged entries (5 a product) by the partition of their products,
	 * in their order.
	 */
	private Map<Integer, List<String>> byPartition(List<String> entries) {
		Map<Integer, List<String>> partitions = new TreeMap<>();
		for (int i = 0; i < entries.size(); i += 5) {
			partitions.computeIfAbsent(this.keys.partitionOf(entries.get(i)), (partition) -> new ArrayList<>())
				.addAll(entries.subList(i, i + 5));
		}
		return partitions;
	}

	/**
	 * Applies staged entries (5 a product) of one partition in one script call, which
	 * declares every key it writes: the categories the products are in now are read
	 * first, and read again if another import moved one of them before the call.
	 */
	private Mono<Long> applyChunk(RedisKeys.Partition partition, List<String> entries, int attempt) {
		return currentCategories(partition, entries).flatMap((current) -> {
			int products = entries.size() / 5;
			String[] scriptKeys = new String[2 + 4 * products];
			String[] args = new String[6 * products];
			scriptKeys[0] = partition.categories();
			scriptKeys[1] = partition.catalogRevisions();
			for (int i = 0; i < products; i++) {
				String id = entries.get(5 * i);
				String category = entries.get(5 * i + 1);
				String previous = current.get(i);
				scriptKeys[2 + 4 * i] = partition.product(id);
				scriptKeys[3 + 4 * i] = partition.category(category);
				scriptKeys[4 + 4 * i] = partition.price(id);
				scriptKeys[5 + 4 * i] = partition.category(previous.isEmpty() ? category : previous);
				for (int field = 0; field < 5; field++) {
					args[6 * i + field] = entries.get(5 * i + field);
				}
				args[6 * i + 5] = previous;
			}
			return APPLY_IMPORT.<Long>run(redis(), ScriptOutputType.INTEGER, scriptKeys, args).next();
		}).flatMap((applied) -> {
			if (applied >= 0) {
				return Mono.just(applied);
			}
			if (attempt == MAX_CHUNK_READS) {
				return Mono.error(new IllegalStateException("The products of a catalog import chunk moved between "
						+ "categories " + attempt + " times while it was applied (concurrent imports)"));
			}
			// imports racing on the same products: a random pause that grows lets one win
			Duration pause = Duration.ofMillis(ThreadLocalRandom.current().nextLong(1, 2 + Math.min(attempt, 20)));
			return Mono.delay(pause).then(applyChunk(partition, entries, attempt + 1));
		});
	}

	/** The category each product of a chunk is in now ('' for a new product). */
	private Mono<List<String>> currentCategories(RedisKeys.Partition partition, List<String> entries) {
		return Flux.range(0, entries.size() / 5)
			.flatMapSequential((i) -> redis().hget(partition.product(entries.get(5 * i)), ProductCodec.CATEGORY)
				.defaultIfEmpty(""))
			.collectList();
	}

	private Mono<Long> discard(String staging) {
		return redis().del(staging);
	}

	private static String[] flatten(List<Product> batch) {
		String[] entries = new String[batch.size() * 5];
		int i = 0;
		for (Product product : batch) {
			entries[i++] = product.id();
			entries[i++] = product.category();
			entries[i++] = product.basePrice().toPlainString();
			entries[i++] = product.floorPrice().toPlainString();
			entries[i++] = product.ceilingPrice().toPlainString();
		}
		return entries;
	}

	private RedisClusterReactiveCommands<String, String> redis() {
		return this.redisConnection.connection().reactive();
	}

}
