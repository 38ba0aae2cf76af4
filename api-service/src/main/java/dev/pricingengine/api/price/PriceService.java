package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;
import java.util.List;

import dev.pricingengine.api.catalog.ProductNotFoundException;
import dev.pricingengine.common.market.MarketStateFields;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.pricing.PricingRule;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

/**
 * The read path: a cached market price when there is one, otherwise the pricing rule over
 * the catalog and market state, written back for the next caller (cache-aside). Caller
 * terms (region, member discount) are applied per request and never cached.
 */
@Service
class PriceService {

	private static final LuaScript READ_INPUTS = LuaScript.fromClasspath("scripts/read-price-inputs.lua");

	private static final LuaScript WRITE_IF_CURRENT = LuaScript.fromClasspath("scripts/write-price-if-current.lua");

	private final PriceCache cache;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final PriceProperties properties;

	PriceService(PriceCache cache, SharedRedisConnection redisConnection, RedisKeys keys, PriceProperties properties) {
		this.cache = cache;
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
	}

	Mono<PriceResponse> quote(String productId, String location, boolean member) {
		return this.cache.get(productId)
			.map((price) -> respond(productId, price, PriceSource.CACHE, location, member))
			.switchIfEmpty(Mono.defer(() -> computeAndCache(productId)
				.map((price) -> respond(productId, price, PriceSource.LIVE, location, member))));
	}

	private Mono<MarketPrice> computeAndCache(String productId) {
		RedisKeys.Partition partition = this.keys.partitionFor(productId);
		String[] inputKeys = { partition.product(productId), partition.market() };
		return READ_INPUTS
			.<List<Object>>run(redis(), ScriptOutputType.MULTI, inputKeys, MarketStateFields.category(""),
					MarketStateFields.product(productId))
			.next()
			.filter((reply) -> !reply.isEmpty())
			.switchIfEmpty(Mono.error(() -> new ProductNotFoundException(productId)))
			.map((reply) -> PriceInputs.fromScriptReply(productId, reply))
			.flatMap(this::priceAndWriteBack);
	}

	private Mono<MarketPrice> priceAndWriteBack(PriceInputs inputs) {
		String productId = inputs.product().id();
		MarketPrice price = new MarketPrice(PricingRule.marketPrice(inputs.product(), inputs.factors()),
				inputs.product().basePrice(), inputs.readAt().truncatedTo(ChronoUnit.MILLIS), 0);
		RedisKeys.Partition partition = this.keys.partitionFor(productId);
		String[] writeKeys = { partition.price(productId), partition.product(productId), partition.market() };
		return WRITE_IF_CURRENT
			.<Long>run(redis(), ScriptOutputType.INTEGER, writeKeys, MarketPriceCodec.encode(price),
					String.valueOf(this.properties.cacheTtl().toMillis()), inputs.productRevision(),
					inputs.marketRevision())
			.then(Mono.just(price));
	}

	private PriceResponse respond(String productId, MarketPrice price, PriceSource source, String location,
			boolean member) {
		BigDecimal discount = PricingRule.discountFor(member);
		BigDecimal finalPrice = PricingRule.finalPrice(price.price(), this.properties.regionFactor(location), discount);
		return new PriceResponse(productId, finalPrice, price.price(), price.basePrice(), discount, source,
				price.computedAt());
	}

	private RedisClusterReactiveCommands<String, String> redis() {
		return this.redisConnection.connection().reactive();
	}

}
