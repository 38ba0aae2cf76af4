package dev.pricingengine.api.event;

import java.security.Principal;
import java.time.Clock;

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
 * counted in Redis (one-second windows), so the limit holds across API replicas. Over it,
 * the answer is 429 with {@code Retry-After}.
 */
@Component
class PublishRateLimit {

	private static final LuaScript COUNT = LuaScript.fromClasspath("scripts/count-in-window.lua");

	private static final long WINDOW_MILLIS = 1000;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final ApiKeyProperties properties;

	private final Clock clock;

	PublishRateLimit(SharedRedisConnection redisConnection, RedisKeys keys, ApiKeyProperties properties) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
		this.clock = Clock.systemUTC();
	}

	/**
	 * Counts a publication by a key.
	 * @param key the authenticated key (its name is the key's id)
	 * @return empty when within the limit, else an error with the 429 problem
	 */
	Mono<Void> acquire(Principal key) {
		long window = this.clock.millis() / WINDOW_MILLIS;
		String[] counter = { this.keys.publishRate(key.getName(), window) };
		return COUNT
			.<Long>run(this.redisConnection.connection().reactive(), ScriptOutputType.INTEGER, counter,
					String.valueOf(WINDOW_MILLIS * 2))
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
