package dev.pricingengine.listener.bridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Subscribes to the market events channel and bridges each event onto the job stream
 * exactly once (see {@code bridge-event.lua}), in a CONSUMER span continuing the
 * publisher's trace and a PRODUCER span whose context the stream entry carries on.
 * Lettuce subscribes again by itself after a reconnect; {@link #isSubscribed()} follows
 * the subscription for the health check.
 */
@Component
class EventBridge implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(EventBridge.class);

	private static final LuaScript BRIDGE = LuaScript.fromClasspath("scripts/bridge-event.lua");

	private static final LuaScript DEAD_LETTER = LuaScript.fromClasspath("scripts/dead-letter-malformed.lua");

	/** Characters of a malformed message kept in its dead-letter entry. */
	private static final int MAX_STORED_MESSAGE = 8192;

	private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("pricing.bridge.outcome");

	private final LettuceConnectionFactory connectionFactory;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final ListenerProperties properties;

	private final Counter bridged;

	private final Counter redelivered;

	private final Counter duplicates;

	private final Counter malformed;

	private final Counter failed;

	private volatile StatefulRedisPubSubConnection<String, String> subscription;

	private volatile RedisConnectionStateListener disconnectWatcher;

	private volatile boolean subscribed;

	EventBridge(LettuceConnectionFactory connectionFactory, SharedRedisConnection redisConnection, RedisKeys keys,
			ListenerProperties properties, MeterRegistry meters) {
		this.connectionFactory = connectionFactory;
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.properties = properties;
		this.bridged = outcome(meters, "bridged");
		this.redelivered = outcome(meters, "redelivered");
		this.duplicates = outcome(meters, "duplicate");
		this.malformed = outcome(meters, "malformed");
		this.failed = outcome(meters, "failed");
	}

	private static Counter outcome(MeterRegistry meters, String outcome) {
		return Counter.builder("pricing.listener.events")
			.description("Market events received by this listener, by outcome")
			.tag("outcome", outcome)
			.register(meters);
	}

	boolean isSubscribed() {
		return this.subscribed;
	}

	/**
	 * Bridges a message received on the channel.
	 * @param message what was received
	 */
	void bridge(String message) {
		decode(message).ifPresent((envelope) -> bridge(envelope, this.bridged));
	}

	/**
	 * Bridges an event that stayed unbridged after its publication: every listener that
	 * received it died before bridging it (see {@link UnbridgedEventSweep}).
	 * @param eventId the event's id
	 * @param message its envelope
	 */
	void redeliver(String eventId, String message) {
		decode(message).ifPresentOrElse((envelope) -> bridge(envelope, this.redelivered), () -> {
			RedisAsyncCommands<String, String> redis = this.redisConnection.connection().async();
			redis.hdel(this.keys.unbridgedEnvelopes(), eventId);
			redis.zrem(this.keys.unbridgedEvents(), eventId);
		});
	}

	/** The envelope, or empty when the message is none (then it is dead-lettered). */
	private Optional<EventEnvelope> decode(String message) {
		try {
			return Optional.of(EnvelopeCodec.decode(message));
		}
		catch (IllegalArgumentException ex) {
			this.malformed.increment();
			deadLetterMalformed(message, ex.getMessage());
			return Optional.empty();
		}
	}

	private void bridge(EventEnvelope envelope, Counter bridgedCount) {
		String eventId = envelope.eventId();
		Context processing = MessageTracing.startProcess(this.keys.eventsChannel(), envelope);
		Span received = Span.fromContext(processing);
		Span enqueue;
		EventEnvelope forwarded;
		try (Scope scope = processing.makeCurrent()) {
			enqueue = MessageTracing.startSend("send", this.keys.jobStream(), envelope);
			forwarded = MessageTracing.sentBy(envelope, enqueue);
		}
		String[] scriptKeys = { this.keys.eventBridged(eventId), this.keys.jobStream(), this.keys.job(eventId),
				this.keys.unbridgedEvents(), this.keys.unbridgedEnvelopes() };
		// the reply arrives on Lettuce's thread: handled (and logged) in this context too
		Context sending = processing.with(enqueue);
		try (Scope scope = sending.makeCurrent()) {
			BRIDGE
				.<String>run(this.redisConnection.connection().reactive(), ScriptOutputType.VALUE, scriptKeys,
						EnvelopeCodec.encode(forwarded), eventId, String.valueOf(envelope.sequence()),
						String.valueOf(this.properties.dedupeTtl().toMillis()),
						String.valueOf(this.properties.jobRetention().toMillis()),
						Objects.requireNonNullElse(MessageTracing.traceId(received), ""))
				.next()
				.map(Optional::of)
				.defaultIfEmpty(Optional.empty())
				.doFinally((signal) -> {
					enqueue.end();
					received.end();
				})
				.subscribe(sending.wrapConsumer((entry) -> {
					if (entry.isPresent()) {
						bridgedCount.increment();
						enqueue.setAttribute(OUTCOME, "bridged");
						logger.debug("Bridged event {} (sequence {}) as job stream entry {}", eventId,
								envelope.sequence(), entry.get());
					}
					else {
						this.duplicates.increment();
						enqueue.setAttribute(OUTCOME, "duplicate");
					}
				}), sending.wrapConsumer((ex) -> {
					this.failed.increment();
					enqueue.recordException(ex).setStatus(StatusCode.ERROR);
					logger.error("Could not bridge event {}: {}", eventId, ex.getMessage());
				}));
		}
	}

	/**
	 * Puts a message that is no event envelope on the dead-letter stream (once across
	 * listener replicas, keyed by its digest), cut to {@value #MAX_STORED_MESSAGE}
	 * characters. It has no job, so it cannot be replayed.
	 */
	private void deadLetterMalformed(String message, String error) {
		String id = "malformed-" + HexFormat.of().formatHex(sha256(message), 0, 8);
		logger.warn("Dead-lettering malformed message {} on {}: {}", id, this.keys.eventsChannel(), error);
		String stored = (message.length() > MAX_STORED_MESSAGE) ? message.substring(0, MAX_STORED_MESSAGE) : message;
		String[] scriptKeys = { this.keys.eventBridged(id), this.keys.deadLetters() };
		DEAD_LETTER
			.<String>run(this.redisConnection.connection().reactive(), ScriptOutputType.VALUE, scriptKeys, id, stored,
					"Malformed message: " + error, String.valueOf(this.properties.dedupeTtl().toMillis()))
			.subscribe((entry) -> logger.debug("Malformed message {} is dead-letter entry {}", id, entry),
					(ex) -> logger.error("Could not dead-letter malformed message {}: {}", id, ex.getMessage()));
	}

	private static byte[] sha256(String message) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(message.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by the Java platform", ex);
		}
	}

	@Override
	public void start() {
		RedisClient client = SharedRedisConnection.nativeClient(this.connectionFactory);
		StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(StringCodec.UTF8);
		connection.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void message(String channel, String message) {
				bridge(message);
			}

			@Override
			public void subscribed(String channel, long count) {
				EventBridge.this.subscribed = true;
				logger.info("Subscribed to {}", channel);
			}

		});
		this.disconnectWatcher = new RedisConnectionStateListener() {

			@Override
			public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
				if (handler == connection) {
					EventBridge.this.subscribed = false;
					logger.warn("Lost the subscription to {}; resubscribing on reconnect",
							EventBridge.this.keys.eventsChannel());
				}
			}

		};
		client.addListener(this.disconnectWatcher);
		connection.sync().subscribe(this.keys.eventsChannel());
		this.subscription = connection;
	}

	@Override
	public void stop() {
		StatefulRedisPubSubConnection<String, String> current = this.subscription;
		this.subscription = null;
		this.subscribed = false;
		if (current != null) {
			SharedRedisConnection.nativeClient(this.connectionFactory).removeListener(this.disconnectWatcher);
			current.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.subscription != null;
	}

	@Override
	public int getPhase() {
		// After the shared connection it bridges through; stopped before it.
		return this.connectionFactory.getPhase() + 2;
	}

}
