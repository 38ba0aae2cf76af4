package dev.pricingengine.api.event;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.pricingengine.api.system.RequestTraceContext;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.TransientRedisErrors;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Numbers an event ({@code INCR}) and publishes its envelope in a PRODUCER span, a child
 * of the request's span ({@link RequestTraceContext}), whose trace context the envelope
 * carries; {@code PUBLISH} reports how many listeners received it. The same script keeps
 * the envelope until a listener has bridged it ({@code publish-event.lua}), so an
 * accepted event survives the death of every listener that received it. With
 * {@code pricing.events.min-replicas} set, an event some listener received is accepted
 * only once that many replicas have it too ({@code WAIT}), so that it survives a
 * failover. Publishing has a connection of its own, which {@code WAIT} blocks.
 */
@Component
class EventPublisher {

	private static final LuaScript PUBLISH = LuaScript.fromClasspath("scripts/publish-event.lua");

	private static final AttributeKey<Long> RECEIVERS = AttributeKey.longKey("pricing.event.receivers");

	private static final AttributeKey<Long> REPLICAS = AttributeKey.longKey("pricing.event.replicas");

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	/** The events channel; on Redis Cluster a shard channel. */
	private final String channel;

	/** {@code SPUBLISH} on Redis Cluster, {@code PUBLISH} otherwise. */
	private final String publishCommand;

	private final MeterRegistry meters;

	private final int minReplicas;

	private final Duration replicaTimeout;

	/**
	 * The {@code WAIT}s of each node connection events were published over (on standalone
	 * Redis, one): a {@code WAIT} counts only its own connection's writes.
	 */
	private final Map<StatefulRedisConnection<String, String>, ReplicationWaits> replicationWaits = new ConcurrentHashMap<>();

	EventPublisher(@Qualifier("eventRedisConnection") SharedRedisConnection redisConnection, RedisKeys keys,
			MeterRegistry meters, EventProperties properties, LettuceConnectionFactory connectionFactory) {
		Duration commandTimeout = connectionFactory.getClientConfiguration().getCommandTimeout();
		if (properties.minReplicas() > 0 && properties.replicaTimeout().compareTo(commandTimeout) >= 0) {
			throw new IllegalStateException("pricing.events.replica-timeout (" + properties.replicaTimeout()
					+ ") must be shorter than spring.data.redis.timeout (" + commandTimeout
					+ "), or every WAIT that runs its course fails as a command timeout");
		}
		this.redisConnection = redisConnection;
		this.keys = keys;
		boolean cluster = connectionFactory.isClusterAware();
		this.channel = cluster ? keys.shardedEventsChannel() : keys.eventsChannel();
		this.publishCommand = cluster ? "SPUBLISH" : "PUBLISH";
		this.meters = meters;
		this.minReplicas = properties.minReplicas();
		this.replicaTimeout = properties.replicaTimeout();
	}

	/**
	 * Numbers and publishes an event, every command over the connection to the intake's
	 * primary (on Redis Cluster, that node's own connection, without redirects), so that
	 * the {@code WAIT} after it counts the replicas of the node that took the event. A
	 * node that no longer serves the intake answers {@code MOVED} (a 503 for the caller)
	 * and the cluster's topology is read again.
	 */
	Mono<Published> publish(MarketEvent event) {
		ClusterAwareConnection connection = this.redisConnection.connection();
		// suppressCancel: the future is Lettuce's, shared by every caller opening that
		// node
		return Mono.fromFuture(() -> connection.nodeOf(this.keys.eventSequence()), true)
			.flatMap((node) -> RequestTraceContext.current().flatMap((request) -> {
				long generation = connection.generation(node);
				return node.reactive()
					.incr(this.keys.eventSequence())
					.flatMap((sequence) -> send(connection, node, generation, event, sequence, request));
			}))
			.doOnError(TransientRedisErrors::isRedirect, (ex) -> connection.refreshTopology());
	}

	private Mono<Published> send(ClusterAwareConnection connection, StatefulRedisConnection<String, String> node,
			long generation, MarketEvent event, long sequence, Context request) {
		RedisReactiveCommands<String, String> redis = node.reactive();
		EventEnvelope unsent = new EventEnvelope(UUID.randomUUID().toString(), sequence, event, Instant.now());
		Span span = MessageTracing.startSend("publish", this.channel, unsent, request);
		EventEnvelope envelope = MessageTracing.sentBy(unsent, request.with(span));
		String[] scriptKeys = { this.keys.unbridgedEvents(), this.keys.unbridgedEnvelopes() };
		return PUBLISH
			.<Long>run(redis, ScriptOutputType.INTEGER, scriptKeys, this.channel, EnvelopeCodec.encode(envelope),
					envelope.eventId(), this.publishCommand)
			.next()
			.doOnNext((receivers) -> span.setAttribute(RECEIVERS, receivers))
			.flatMap((receivers) -> (receivers > 0)
					? replicated(connection, node, generation, envelope, span).thenReturn(receivers)
					: Mono.just(receivers))
			.doOnNext((receivers) -> count(event, (receivers > 0) ? "accepted" : "no_listener"))
			.doOnError((ex) -> span.recordException(ex).setStatus(StatusCode.ERROR))
			.doOnError(NotReplicatedException.class, (ex) -> count(event, "not_replicated"))
			.doFinally((signal) -> span.end())
			.map((receivers) -> new Published(envelope, receivers));
	}

	/**
	 * Completes once {@code pricing.events.min-replicas} replicas have every write of
	 * this connection so far, the event's included (a {@link ReplicationWaits} shared by
	 * the publishes in flight); fails with {@link NotReplicatedException} when fewer have
	 * it within {@code pricing.events.replica-timeout}, and when the node connection
	 * dropped since the event's sequence was taken (the {@code WAIT}'s count may not
	 * cover the event) or the node is a replica now.
	 */
	private Mono<Void> replicated(ClusterAwareConnection connection, StatefulRedisConnection<String, String> node,
			long generation, EventEnvelope envelope, Span span) {
		if (this.minReplicas == 0) {
			return Mono.empty();
		}
		return this.replicationWaits
			.computeIfAbsent(node, (key) -> new ReplicationWaits(key.reactive(), this.minReplicas, this.replicaTimeout))
			.acknowledged()
			// a WAIT Lettuce sent again after a reconnect ran for a new client that wrote
			// nothing; a node demoted to a replica refuses WAIT
			.map((replicas) -> (connection.generation(node) == generation) ? replicas : 0L)
			.onErrorResume(EventPublisher::isWaitOnReplica, (ex) -> Mono.just(0L))
			.doOnNext((replicas) -> span.setAttribute(REPLICAS, replicas))
			.flatMap((replicas) -> (replicas >= this.minReplicas) ? Mono.empty() : Mono.error(
					new NotReplicatedException(envelope.eventId(), replicas, this.minReplicas, this.replicaTimeout)));
	}

	private static boolean isWaitOnReplica(Throwable ex) {
		return ex instanceof RedisCommandExecutionException && ex.getMessage() != null
				&& ex.getMessage().contains("WAIT cannot be used with replica");
	}

	private void count(MarketEvent event, String outcome) {
		Counter.builder("pricing.api.events")
			.description("Market events published, by type and outcome (no_listener, not_replicated: refused with 503)")
			.tag("type", event.type().name().toLowerCase())
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

	String channel() {
		return this.channel;
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
