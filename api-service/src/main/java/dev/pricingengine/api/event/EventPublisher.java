package dev.pricingengine.api.event;

import java.time.Instant;
import java.util.UUID;

import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Numbers an event ({@code INCR}) and publishes its envelope; {@code PUBLISH} reports how
 * many listeners received it.
 */
@Component
class EventPublisher {

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	EventPublisher(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	Mono<Published> publish(MarketEvent event) {
		RedisReactiveCommands<String, String> redis = this.redisConnection.connection().reactive();
		return redis.incr(this.keys.eventSequence()).flatMap((sequence) -> {
			EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), sequence, event, Instant.now(),
					null, null);
			return redis.publish(this.keys.eventsChannel(), EnvelopeCodec.encode(envelope))
				.map((receivers) -> new Published(envelope, receivers));
		});
	}

	String channel() {
		return this.keys.eventsChannel();
	}

	/**
	 * An event sent out.
	 *
	 * @param envelope what was published
	 * @param receivers how many subscribers received it
	 */
	record Published(EventEnvelope envelope, long receivers) {

	}

}
