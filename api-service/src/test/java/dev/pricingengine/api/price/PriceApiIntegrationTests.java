package dev.pricingengine.api.price;

import dev.pricingengine.common.redis.ClusterAwareConnection;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.ApiTestClient;
import dev.pricingengine.api.RedisCommandCounter;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ApiIntegrationTest
class PriceApiIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	private ApiTestClient api;

	@BeforeEach
	void setUp() {
		this.api = new ApiTestClient(this.client);
	}

	@Test
	void computesLiveOnMissThenServesFromCache() {
		this.api.importProduct("P-live", "C-1", "10.00", "8.00", "15.00");
		this.api.price("P-live")
			.jsonPath("$.product_id")
			.isEqualTo("P-live")
			.jsonPath("$.source")
			.isEqualTo("live")
			.jsonPath("$.market_price")
			.isEqualTo(10.0)
			.jsonPath("$.base_price")
			.isEqualTo(10.0)
			.jsonPath("$.final_price")
			.isEqualTo(10.0)
			.jsonPath("$.discount_rate")
			.isEqualTo(0)
			.jsonPath("$.computed_at")
			.isNotEmpty();
		this.api.price("P-live").jsonPath("$.source").isEqualTo("cache").jsonPath("$.market_price").isEqualTo(10.0);
		assertThat(MarketPriceCodec.decode(redis().sync().get(this.keys.price("P-live"))).price())
			.isEqualByComparingTo("10.00");
	}

	@Test
	void appliesMarketFactorsFromRedis() {
		this.api.importProduct("P-factors", "C-factors", "10.00", "5.00", "20.00");
		redis().sync().hset(this.keys.partitionFor("P-factors").market(), "global", "1.1");
		redis().sync().hset(this.keys.partitionFor("P-factors").market(), "category:C-factors", "1.2");
		redis().sync().hset(this.keys.partitionFor("P-factors").market(), "product:P-factors", "0.9");
		try {
			this.api.price("P-factors").jsonPath("$.market_price").isEqualTo(11.88);
		}
		finally {
			redis().sync().hdel(this.keys.partitionFor("P-factors").market(), "global");
		}
	}

	@Test
	void neverServesAMembersDiscountToANonMember() {
		this.api.importProduct("P-member", "C-1", "20.00", "10.00", "30.00");
		this.client.get()
			.uri("/api/v1/prices/P-member?member=true")
			.exchange()
			.expectBody()
			.jsonPath("$.final_price")
			.isEqualTo(19.0)
			.jsonPath("$.discount_rate")
			.isEqualTo(0.05);
		this.client.get()
			.uri("/api/v1/prices/P-member?member=false")
			.exchange()
			.expectBody()
			.jsonPath("$.source")
			.isEqualTo("cache")
			.jsonPath("$.final_price")
			.isEqualTo(20.0)
			.jsonPath("$.discount_rate")
			.isEqualTo(0);
	}

	@Test
	void appliesTheConfiguredRegionFactorPerRequest() {
		this.api.importProduct("P-region", "C-1", "20.00", "10.00", "30.00");
		this.client.get()
			.uri("/api/v1/prices/P-region?location=ny&member=true")
			.exchange()
			.expectBody()
			.jsonPath("$.market_price")
			.isEqualTo(20.0)
			.jsonPath("$.final_price")
			.isEqualTo(20.9);
		this.client.get()
			.uri("/api/v1/prices/P-region?location=SF")
			.exchange()
			.expectBody()
			.jsonPath("$.final_price")
			.isEqualTo(20.0);
	}

	@Test
	void prototypeEndpointAnswersTheSameQuote() {
		this.api.importProduct("P-proto", "C-1", "20.00", "10.00", "30.00");
		this.client.post()
			.uri("/api/v1/price")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"product_id\":\"P-proto\",\"user_location\":\"NY\",\"is_prime_member\":true}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.product_id")
			.isEqualTo("P-proto")
			.jsonPath("$.final_price")
			.isEqualTo(20.9)
			.jsonPath("$.market_price")
			.isEqualTo(20.0);
	}

	@Test
	void unknownProductIsA404Problem() {
		this.client.get()
			.uri("/api/v1/prices/P-missing")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Unknown product")
			.jsonPath("$.product_id")
			.isEqualTo("P-missing");
		assertThat(redis().sync().exists(this.keys.price("P-missing"))).isZero();
	}

	@Test
	void servesHotPricesFromMemoryAndARewrittenPriceFreshOnceRedisInvalidatesIt() {
		this.api.importProduct("P-fresh", "C-1", "10.00", "5.00", "20.00");
		this.api.price("P-fresh").jsonPath("$.source").isEqualTo("live");
		this.api.price("P-fresh").jsonPath("$.source").isEqualTo("cache");
		RedisCommandCounter counter = new RedisCommandCounter(redis());
		long before = counter.processed();
		for (int i = 0; i < 20; i++) {
			this.api.price("P-fresh").jsonPath("$.market_price").isEqualTo(10.0);
		}
		assertThat(counter.processed() - before).as("Redis commands for 20 hot reads").isZero();

		MarketPrice rewritten = new MarketPrice(new BigDecimal("12.34"), new BigDecimal("10.00"), Instant.now(), 7);
		redis().sync().set(this.keys.price("P-fresh"), MarketPriceCodec.encode(rewritten));
		await().atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> this.api.price("P-fresh").jsonPath("$.market_price").isEqualTo(12.34));
	}

	@Test
	void catalogChangeDropsTheCachedPrice() {
		this.api.importProduct("P-change", "C-1", "10.00", "5.00", "20.00");
		this.api.price("P-change").jsonPath("$.market_price").isEqualTo(10.0);
		this.api.price("P-change").jsonPath("$.source").isEqualTo("cache");
		this.api.importProduct("P-change", "C-1", "12.00", "5.00", "20.00");
		this.api.price("P-change").jsonPath("$.source").isEqualTo("live").jsonPath("$.market_price").isEqualTo(12.0);
	}

	@Test
	void writeBackNeverOverwritesANewerPrice() {
		this.api.importProduct("P-newer", "C-1", "10.00", "5.00", "20.00");
		MarketPrice newer = new MarketPrice(new BigDecimal("11.00"), new BigDecimal("10.00"), Instant.now(), 9);
		redis().sync().set(this.keys.price("P-newer"), MarketPriceCodec.encode(newer));
		this.api.price("P-newer").jsonPath("$.market_price").isEqualTo(11.0).jsonPath("$.source").isEqualTo("cache");

		LuaScript writeBack = LuaScript.fromClasspath("scripts/write-price-if-current.lua");
		redis().sync().del(this.keys.price("P-newer"));
		String productRevision = redis().sync().hget(this.keys.product("P-newer"), "rev");
		String[] scriptKeys = { this.keys.price("P-newer"), this.keys.product("P-newer"),
				this.keys.partitionFor("P-newer").market() };
		List<Long> staleRevision = writeBack
			.<Long>run(redis().reactive(), ScriptOutputType.INTEGER, scriptKeys, "1.00|1.00|0|0", "60000",
					String.valueOf(Long.parseLong(productRevision) - 1), "0")
			.collectList()
			.block();
		assertThat(staleRevision).containsExactly(0L);
		assertThat(redis().sync().exists(this.keys.price("P-newer"))).isZero();
		List<Long> current = writeBack
			.<Long>run(redis().reactive(), ScriptOutputType.INTEGER, scriptKeys, "1.00|1.00|0|0", "60000",
					productRevision, "0")
			.collectList()
			.block();
		assertThat(current).containsExactly(1L);
	}

	private ClusterAwareConnection redis() {
		return this.redisConnection.connection();
	}

}
