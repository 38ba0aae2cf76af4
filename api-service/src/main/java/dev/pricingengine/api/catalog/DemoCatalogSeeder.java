package dev.pricingengine.api.catalog;

import java.time.Duration;

import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.SetArgs;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Seeds the demo catalog into an empty catalog at start-up, before the API reports ready.
 * Of several replicas starting together, only the one that takes the seed marker seeds.
 */
@Component
class DemoCatalogSeeder implements ApplicationRunner {

	private static final Logger logger = LoggerFactory.getLogger(DemoCatalogSeeder.class);

	private static final Duration SEED_TIMEOUT = Duration.ofMinutes(10);

	private final CatalogRepository catalog;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final int demoSize;

	DemoCatalogSeeder(CatalogRepository catalog, SharedRedisConnection redisConnection, RedisKeys keys,
			CatalogProperties properties) {
		this.catalog = catalog;
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.demoSize = properties.demoSize();
	}

	@Override
	public void run(ApplicationArguments args) {
		if (this.demoSize == 0) {
			return;
		}
		Long seeded = this.catalog.isEmpty()
			.filter(Boolean::booleanValue)
			.flatMap((empty) -> redis().set(this.keys.demoSeed(), "seeding", SetArgs.Builder.nx().ex(SEED_TIMEOUT)))
			.flatMap((taken) -> this.catalog.importAll(DemoCatalog.products(this.demoSize)))
			.switchIfEmpty(Mono.just(0L))
			.block(SEED_TIMEOUT);
		if (seeded != null && seeded > 0) {
			logger.info("Seeded the empty catalog with {} demo products", seeded);
		}
	}

	private RedisClusterReactiveCommands<String, String> redis() {
		return this.redisConnection.connection().reactive();
	}

}
