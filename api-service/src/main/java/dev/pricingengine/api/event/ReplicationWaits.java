package dev.pricingengine.api.event;

import java.time.Duration;

import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@code WAIT} on behalf of every publish of one connection, one at a time. Redis reads
 * nothing more from a client while its {@code WAIT} blocks, so one {@code WAIT} per
 * publish would queue the publishes behind each other's (one replica round trip each, or
 * the whole timeout each while a replica is away, until commands time out). Instead a
 * publish whose writes have been answered joins the next {@code WAIT}; it is sent when
 * the one in flight returns, and covers every write the connection made before it.
 */
final class ReplicationWaits {

	private final RedisClusterReactiveCommands<String, String> redis;

	private final int replicas;

	private final Duration timeout;

	private final Object lock = new Object();

	/** The publishes waiting for a {@code WAIT} not sent yet, if any. */
	private Sinks.One<Long> next;

	private boolean inFlight;

	ReplicationWaits(RedisClusterReactiveCommands<String, String> redis, int replicas, Duration timeout) {
		this.redis = redis;
		this.replicas = replicas;
		this.timeout = timeout;
	}

	/**
	 * How many replicas acknowledged every write this connection made before the call (at
	 * most the required number: {@code WAIT} returns as soon as that many have).
	 * @return the replicas, from a {@code WAIT} sent after the call
	 */
	Mono<Long> acknowledged() {
		return Mono.defer(() -> {
			Sinks.One<Long> sink;
			boolean send;
			synchronized (this.lock) {
				if (this.next == null) {
					this.next = Sinks.one();
				}
				sink = this.next;
				send = !this.inFlight;
				if (send) {
					this.inFlight = true;
					this.next = null;
				}
			}
			if (send) {
				send(sink);
			}
			return sink.asMono();
		});
	}

	private void send(Sinks.One<Long> sink) {
		this.redis.waitForReplication(this.replicas, this.timeout.toMillis()).subscribe((acknowledged) -> {
			sink.tryEmitValue(acknowledged);
			sendNext();
		}, (error) -> {
			sink.tryEmitError(error);
			sendNext();
		});
	}

	private void sendNext() {
		Sinks.One<Long> sink;
		synchronized (this.lock) {
			sink = this.next;
			this.next = null;
			this.inFlight = (sink != null);
		}
		if (sink != null) {
			send(sink);
		}
	}

}
