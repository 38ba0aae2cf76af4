package dev.pricingengine.api.price;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pricingengine.api.catalog.ProductNotFoundException;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.catalog.Product;
import dev.pricingengine.common.catalog.ProductCodec;
import dev.pricingengine.common.market.DemandFactors;
import dev.pricingengine.common.market.MarketStateFields;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.pricing.PricingRule;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Explains a product's market price for operators (the console's Prices view): read
 * straight from the product's partition, off the read path's caches.
 */
@RestController
@Tag(name = "Prices")
class PriceExplanationController {

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	PriceExplanationController(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	@GetMapping("/api/v1/prices/{productId}/explanation")
	@Operation(summary = "Why a product's market price is what it is",
			description = "Its catalog inputs, each demand factor with the sequence of the event that set it, the "
					+ "price the rule gives for them, and the stored market price with when and by which fencing "
					+ "token it was written")
	@ProblemResponses({ 400, 404, 503 })
	Mono<PriceExplanation> explain(@PathVariable String productId) {
		if (!Product.isValidId(productId)) {
			throw new PriceController.InvalidParameterException("productId", Product.ID_REGEX);
		}
		RedisKeys.Partition partition = this.keys.partitionFor(productId);
		RedisClusterReactiveCommands<String, String> redis = this.redisConnection.connection().reactive();
		return redis.hgetall(partition.product(productId))
			.collectMap(KeyValue::getKey, KeyValue::getValue)
			.filter((hash) -> !hash.isEmpty())
			.switchIfEmpty(Mono.error(() -> new ProductNotFoundException(productId)))
			.map((hash) -> ProductCodec.fromHash(productId, hash))
			.flatMap((product) -> {
				List<String> fields = List.of(MarketStateFields.GLOBAL, MarketStateFields.category(product.category()),
						MarketStateFields.product(productId));
				List<String> read = new ArrayList<>();
				fields.forEach((field) -> read.addAll(List.of(field, MarketStateFields.sequenceOf(field))));
				Mono<Map<String, String>> market = redis.hmget(partition.market(), read.toArray(String[]::new))
					.filter(KeyValue::hasValue)
					.collectMap(KeyValue::getKey, KeyValue::getValue);
				Mono<List<MarketPrice>> stored = redis.get(partition.price(productId))
					.map(MarketPriceCodec::decode)
					.map(List::of)
					.defaultIfEmpty(List.of());
				return Mono.zip(market, stored).map((both) -> explain(product, fields, both.getT1(), both.getT2()));
			});
	}

	private static PriceExplanation explain(Product product, List<String> fields, Map<String, String> market,
			List<MarketPrice> stored) {
		List<String> scopes = List.of("global", "category", "product");
		List<PriceExplanation.Factor> factors = new ArrayList<>();
		for (int i = 0; i < fields.size(); i++) {
			String field = fields.get(i);
			String sequence = market.get(MarketStateFields.sequenceOf(field));
			factors
				.add(new PriceExplanation.Factor(scopes.get(i), field, new BigDecimal(market.getOrDefault(field, "1")),
						(sequence != null) ? Long.valueOf(sequence) : null));
		}
		BigDecimal rulePrice = PricingRule.marketPrice(product,
				new DemandFactors(factors.get(0).value(), factors.get(1).value(), factors.get(2).value()));
		PriceExplanation.StoredPrice storedPrice = stored.isEmpty() ? null : new PriceExplanation.StoredPrice(
				stored.get(0).price(), stored.get(0).basePrice(), stored.get(0).computedAt(), stored.get(0).version());
		return new PriceExplanation(product.id(), product.category(), product.basePrice(), product.floorPrice(),
				product.ceilingPrice(), factors, rulePrice, storedPrice);
	}

}
