package dev.pricingengine.worker.job;

import java.util.List;

import dev.pricingengine.common.job.DeadLetterProperties;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the job and dead-letter streams bounded: every
 * {@code pricing.worker.trim-interval} it drops entries past their retention
 * ({@code trim-streams.lua}), never a job still pending or not yet delivered. Every
 * worker trims; trimming twice is harmless.
 */
@Component
class StreamTrimmer {

	private static final Logger logger = LoggerFactory.getLogger(StreamTrimmer.class);

	private static final LuaScript TRIM = LuaScript.fromClasspath("scripts/trim-streams.lua");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final WorkerProperties properties;

	private final DeadLetterProperties deadLetters;

	StreamTrimmer(SharedRedisConnection redisConnection, RedisKeys keys, WorkerProperties properties,
			DeadLetterProperties deadLetters) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
		this.deadLetters = deadLetters;
	}

	@Scheduled(fixedDelayString = "${pricing.worker.trim-interval}",
			initialDelayString = "${pricing.worker.trim-interval}")
	void trim() {
		try {
			List<Long> trimmed = TRIM.call(this.redisConnection.connection().sync(), ScriptOutputType.MULTI,
					new String[] { this.keys.jobStream(), this.keys.deadLetters() },
					String.valueOf(this.properties.jobStreamRetention().toMillis()),
					String.valueOf(this.deadLetters.retention().toMillis()));
			logger.debug("Trimmed {} job stream entries and {} dead letters", trimmed.get(0), trimmed.get(1));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not trim the job streams (trying again in {}): {}", this.properties.trimInterval(),
					ex.getMessage());
		}
	}

}
