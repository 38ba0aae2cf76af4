package dev.pricingengine.api.event;

import java.security.Principal;

import dev.pricingengine.api.security.ApiKeyProperties;
import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.ScriptOutputType;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * At most {@code pricing.security.publish-rate-per-second} events per API key and second,
 * counted in Redis in one-second windows of the Redis server's clock, so the limit holds
 * across API replicas whatever their own clocks say. Over it, the answer is 429 with
 * {@code Retry-After}.
 */
@Component
class PublishRateLimit {

	private static final LuaScript COUNT = LuaScript.fromClasspath("scripts/count-in-window.lua");

	/** How long an idle key's counter is kept: past its window, and then some. */
	private static final String COUNTER_EXPIRY_MILLIS = "2000";

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final ApiKeyProperties properties;

	PublishRateLimit(SharedRedisConnection redisConnection, RedisKeys keys, ApiKeyProperties properties) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
	}

	/**
	 * Counts a publication by a key.
	 * @param key the authenticated key (its name is the key's id)
	 * @return empty when within the limit, else an error with the 429 problem
	 */
	Mono<Void> acquire(Principal key) {
		String[] counter = { this.keys.publishRate(key.getName()) };
		return COUNT
			.<Long>run(this.redisConnection.connection().reactive(), ScriptOutputType.INTEGER, counter,
					COUNTER_EXPIRY_MILLIS)
			.next()
			.flatMap((count) -> (count <= this.properties.publishRatePerSecond()) ? Mono.empty()
					: Mono.error(tooMany()));
	}

	private ProblemException tooMany() {
		ProblemException problem = new ProblemException(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many events",
				"This API key may publish " + this.properties.publishRatePerSecond()
						+ " events a second; retry after the time in Retry-After");
		problem.getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
		return problem;
	}

}
