package dev.pricingengine.api.price;

import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.TestApiKey;
import dev.pricingengine.api.ApiTestClient;
import dev.pricingengine.api.RedisCommandCounter;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ApiIntegrationTest(properties = { "pricing.catalog.demo-size=0", "pricing.price.local-cache.enabled=false",
		"pricing.security.api-keys=" + TestApiKey.KEY })
class PriceReadRoundTripIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Test
	void aCacheHitCostsOneRedisRoundTrip() {
		ApiTestClient api = new ApiTestClient(this.client);
		api.importProduct("P-trip", "C-1", "10.00", "5.00", "20.00");
		api.price("P-trip").jsonPath("$.source").isEqualTo("live");
		RedisCommandCounter counter = new RedisCommandCounter(redis());
		long before = counter.processed();
		for (int i = 0; i < 25; i++) {
			api.price("P-trip").jsonPath("$.source").isEqualTo("cache");
		}
		assertThat(counter.processed() - before).as("Redis commands for 25 cache hits").isEqualTo(25);
	}

	private ClusterAwareConnection redis() {
		return this.redisConnection.connection();
	}

}
