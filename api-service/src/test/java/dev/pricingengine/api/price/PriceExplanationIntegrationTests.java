package dev.pricingengine.api.price;

import java.util.Map;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.api.ApiTestClient;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A product's price explained from its partition: catalog inputs, each factor with the
 * sequence of the event that set it (1 with none where no event did), the rule's price,
 * and the stored price with its writer's fencing token. Its factors are its own
 * category's and product's, which no other test reads.
 */
@ApiIntegrationTest
class PriceExplanationIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void explainsTheStoredPriceByItsInputsAndTheEventsThatSetThem() {
		new ApiTestClient(this.client).importProduct("P-explained", "C-explained", "10.00", "5.00", "30.00");
		RedisKeys.Partition partition = this.keys.partitionFor("P-explained");
		this.redisConnection.connection()
			.sync()
			.hset(partition.market(), Map.of("category:C-explained", "1.2", "category:C-explained:seq", "5",
					"product:P-explained", "1.5", "product:P-explained:seq", "9"));
		this.redisConnection.connection().sync().set(partition.price("P-explained"), "18.00|10.00|1795600800000|4");
		this.client.get()
			.uri("/api/v1/prices/P-explained/explanation")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.base_price")
			.isEqualTo(10.00)
			.jsonPath("$.ceiling_price")
			.isEqualTo(30.00)
			.jsonPath("$.factors[0].field")
			.isEqualTo("global")
			.jsonPath("$.factors[0].value")
			.isEqualTo(1)
			.jsonPath("$.factors[0].sequence")
			.isEmpty()
			.jsonPath("$.factors[1].field")
			.isEqualTo("category:C-explained")
			.jsonPath("$.factors[1].value")
			.isEqualTo(1.2)
			.jsonPath("$.factors[1].sequence")
			.isEqualTo(5)
			.jsonPath("$.factors[2].sequence")
			.isEqualTo(9)
			.jsonPath("$.rule_price")
			.isEqualTo(18.00)
			.jsonPath("$.stored.price")
			.isEqualTo(18.00)
			.jsonPath("$.stored.computed_at")
			.isEqualTo("2026-11-25T10:00:00Z")
			.jsonPath("$.stored.fencing_token")
			.isEqualTo(4);
	}

	@Test
	void answersAnUnknownProductWith404AndABadIdWith400() {
		this.client.get().uri("/api/v1/prices/P-none/explanation").exchange().expectStatus().isNotFound();
		this.client.get().uri("/api/v1/prices/-bad/explanation").exchange().expectStatus().isBadRequest();
	}

}
