package dev.pricingengine.api.catalog;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
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

	Mono<Boolean> isEmpty() {
		return redis().exists(this.keys.categories()).map((count) -> count == 0);
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
		String[] scriptKeys = { staging, this.keys.categories(), this.keys.catalogRevisions() };
		return Flux.range(0, (int) ((count + APPLY_BATCH - 1) / APPLY_BATCH))
			.concatMap((chunk) -> APPLY_IMPORT.<Long>run(redis(), ScriptOutputType.INTEGER, scriptKeys,
					this.keys.product(""), this.keys.category(""), this.keys.price(""),
					String.valueOf((long) chunk * APPLY_BATCH), String.valueOf(APPLY_BATCH)))
			.then();
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

	private RedisReactiveCommands<String, String> redis() {
		return this.redisConnection.connection().reactive();
	}

}
