package dev.pricingengine.api.event;

import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pricingengine.api.ApiIntegrationTest;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publish rate limit's window is a second of the Redis server's clock, the one every
 * API replica shares, never the replica's own clock.
 */
@ApiIntegrationTest
class PublishRateLimitIntegrationTests {

	@Autowired
	private PublishRateLimit rateLimit;

	@Autowired
	private SharedRedisConnection redisConnection;

	@Autowired
	private RedisKeys keys;

	@Test
	void countsEachPublicationInTheCurrentSecondOfTheRedisClock() {
		String keyId = "k-" + UUID.randomUUID();
		Principal key = () -> keyId;
		long before = redisSecond();
		this.rateLimit.acquire(key).block();
		long after = redisSecond();
		String counter = this.keys.publishRate(keyId);
		assertThat(redis().hgetall(counter)).as("counter %s", counter)
			.containsOnlyKeys("window", "count")
			.hasEntrySatisfying("window",
					(window) -> assertThat(Long.parseLong(window)).as("window, in Redis seconds")
						.isBetween(before, after))
			.containsEntry("count", "1");
		assertThat(redis().pttl(counter)).isPositive();
	}

	@Test
	void startsTheCountAgainWhenTheCounterIsFromAnEarlierRedisSecond() {
		String keyId = "k-" + UUID.randomUUID();
		String counter = this.keys.publishRate(keyId);
		redis().hset(counter, Map.of("window", String.valueOf(redisSecond() - 5), "count", "1000"));
		long before = redisSecond();
		this.rateLimit.acquire(() -> keyId).block();
		assertThat(redis().hget(counter, "count")).isEqualTo("1");
		assertThat(Long.parseLong(redis().hget(counter, "window"))).isGreaterThanOrEqualTo(before);
	}

	private long redisSecond() {
		List<String> time = redis().time();
		return Long.parseLong(time.get(0));
	}

	private RedisClusterCommands<String, String> redis() {
		return this.redisConnection.connection().sync();
	}

}
