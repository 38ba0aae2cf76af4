package dev.pricingengine.listener.bridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
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
 * publisher's trace and a PRODUCER span whose context the stream entry carries on. On
 * Redis Cluster the channel is a shard channel ({@code SSUBSCRIBE}, see
 * {@link #keepShardSubscription()}). Lettuce subscribes again by itself after a
 * reconnect; {@link #isSubscribed()} follows the subscription for the health check.
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

	/**
	 * On Redis Cluster, the connection to the primary the shard channel is subscribed on.
	 */
	private volatile StatefulRedisPubSubConnection<String, String> shardSubscription;

	/** That primary's address. */
	private volatile RedisURI shardSubscriptionNode;

	/** How often the subscription was lost (a subscription made meanwhile may be too). */
	private final AtomicLong losses = new AtomicLong();

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

	/** The events channel; on Redis Cluster, the shard channel. */
	private String channel() {
		return (this.subscription instanceof StatefulRedisClusterPubSubConnection<String, String>)
				? this.keys.shardedEventsChannel() : this.keys.eventsChannel();
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
			RedisClusterAsyncCommands<String, String> redis = this.redisConnection.connection().async();
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
		Context processing = MessageTracing.startProcess(channel(), envelope);
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
						Objects.requireNonNullElse(MessageTracing.traceId(received), ""),
						this.keys.partitionsOf(envelope.event().productId()))
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
		logger.warn("Dead-lettering malformed message {} on {}: {}", id, channel(), error);
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
		AbstractRedisClient client = this.connectionFactory.getRequiredNativeClient();
		StatefulRedisPubSubConnection<String, String> connection;
		if (client instanceof RedisClusterClient clusterClient) {
			StatefulRedisClusterPubSubConnection<String, String> cluster = clusterClient
				.connectPubSub(StringCodec.UTF8);
			cluster.addListener(new ShardChannelListener(clusterClient));
			connection = cluster;
		}
		else {
			connection = ((RedisClient) client).connectPubSub(StringCodec.UTF8);
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
		}
		this.disconnectWatcher = new RedisConnectionStateListener() {

			@Override
			public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
				if (handler == connection || handler == EventBridge.this.shardSubscription) {
					lostSubscription();
				}
			}

		};
		client.addListener(this.disconnectWatcher);
		this.subscription = connection;
		if (connection instanceof StatefulRedisClusterPubSubConnection<String, String>) {
			keepShardSubscription();
		}
		else {
			connection.sync().subscribe(this.keys.eventsChannel());
		}
	}

	private void lostSubscription() {
		this.losses.incrementAndGet();
		if (this.subscribed) {
			logger.warn("Lost the subscription to the market events; subscribing again");
		}
		this.subscribed = false;
	}

	/**
	 * On Redis Cluster, keeps the listener subscribed ({@code SSUBSCRIBE}) to the events'
	 * shard channel on the primary that serves its slot, the node whose {@code SPUBLISH}
	 * counts the receivers; called at start and then every second (a no-op on standalone
	 * Redis, where Lettuce subscribes again after a reconnect by itself). After a
	 * failover or a slot migration it subscribes on the new primary as soon as the
	 * client's view of the cluster (refreshed periodically and on redirects) names it.
	 */
	synchronized void keepShardSubscription() {
		if (!(this.subscription instanceof StatefulRedisClusterPubSubConnection<String, String> cluster)) {
			return;
		}
		String channel = this.keys.shardedEventsChannel();
		RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
		if (owner == null) {
			lostSubscription();
			return;
		}
		try {
			StatefulRedisPubSubConnection<String, String> node = cluster.getConnection(owner.getUri().getHost(),
					owner.getUri().getPort());
			StatefulRedisPubSubConnection<String, String> previous = this.shardSubscription;
			if (this.subscribed && node == previous && node.isOpen()) {
				return;
			}
			// before subscribing, so that a disconnect meanwhile marks it lost
			this.shardSubscription = node;
			this.shardSubscriptionNode = owner.getUri();
			long lossesBefore = this.losses.get();
			node.sync().ssubscribe(channel);
			this.subscribed = true;
			if (this.losses.get() != lossesBefore) {
				this.subscribed = false;
			}
			if (previous != null && previous != node && previous.isOpen()) {
				previous.async().sunsubscribe(channel);
			}
		}
		catch (RuntimeException ex) {
			lostSubscription();
			logger.warn("Could not subscribe to {} on {}: {}", channel, owner.getUri(), ex.getMessage());
		}
	}

	/**
	 * Bridges what arrives on the shard channel, and notices when the node subscribed on
	 * stops serving it: Redis unsubscribes the clients of a slot that moved (a failover,
	 * a migration), and the client's view of the cluster is read again at once.
	 */
	private final class ShardChannelListener extends RedisClusterPubSubAdapter<String, String> {

		private final RedisClusterClient client;

		ShardChannelListener(RedisClusterClient client) {
			this.client = client;
		}

		@Override
		public void smessage(RedisClusterNode node, String shardChannel, String message) {
			bridge(message);
		}

		@Override
		public void ssubscribed(RedisClusterNode node, String shardChannel, long count) {
			logger.info("Subscribed to shard channel {} on {}", shardChannel, (node != null) ? node.getUri() : "?");
		}

		@Override
		public void sunsubscribed(RedisClusterNode node, String shardChannel, long count) {
			RedisURI current = EventBridge.this.shardSubscriptionNode;
			// our own unsubscribe from a node we left is no loss
			if (node == null || current == null || (node.getUri().getHost().equals(current.getHost())
					&& node.getUri().getPort() == current.getPort())) {
				lostSubscription();
				this.client.refreshPartitionsAsync();
			}
		}

	}

	@Override
	public void stop() {
		StatefulRedisPubSubConnection<String, String> current = this.subscription;
		this.subscription = null;
		this.shardSubscription = null;
		this.shardSubscriptionNode = null;
		this.subscribed = false;
		if (current != null) {
			this.connectionFactory.getRequiredNativeClient().removeListener(this.disconnectWatcher);
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
