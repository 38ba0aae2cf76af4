package dev.pricingengine.listener.bridge;

import java.util.List;

import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Closes Pub/Sub's gap: a message is delivered once, to the listeners subscribed at that
 * moment, so an accepted event whose receivers all died before bridging it would be lost.
 * The API keeps every accepted event's envelope until a listener has bridged it
 * ({@code publish-event.lua}, {@code bridge-event.lua}); every listener periodically
 * bridges those left longer than {@code pricing.listener.redelivery.after}. Bridging is
 * idempotent, so listeners racing here or with a slow receiver add one job only.
 */
@Component
class UnbridgedEventSweep {

	private static final Logger logger = LoggerFactory.getLogger(UnbridgedEventSweep.class);

	private static final LuaScript UNBRIDGED = LuaScript.fromClasspath("scripts/unbridged-events.lua");

	/** Most events bridged per look. */
	private static final int BATCH = 500;

	private final EventBridge bridge;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final ListenerProperties properties;

	UnbridgedEventSweep(EventBridge bridge, SharedRedisConnection redisConnection, RedisKeys keys,
			ListenerProperties properties) {
		this.bridge = bridge;
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
	}

	/** Bridges the overdue unbridged events, oldest first. */
	void bridgeOverdue() {
		List<String> idsAndEnvelopes;
		try {
			idsAndEnvelopes = UNBRIDGED.call(this.redisConnection.connection().sync(), ScriptOutputType.MULTI,
					new String[] { this.keys.unbridgedEvents(), this.keys.unbridgedEnvelopes() },
					String.valueOf(this.properties.redelivery().after().toMillis()), String.valueOf(BATCH));
		}
		catch (RedisException ex) {
			logger.warn("Could not look for unbridged events: {}", ex.getMessage());
			return;
		}
		if (idsAndEnvelopes.isEmpty()) {
			return;
		}
		logger.info("Bridging {} event(s) published more than {} ago and still unbridged", idsAndEnvelopes.size() / 2,
				this.properties.redelivery().after());
		for (int i = 0; i < idsAndEnvelopes.size(); i += 2) {
			this.bridge.redeliver(idsAndEnvelopes.get(i), idsAndEnvelopes.get(i + 1));
		}
	}

}
