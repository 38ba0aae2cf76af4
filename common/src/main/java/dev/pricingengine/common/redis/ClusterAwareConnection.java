package dev.pricingengine.common.redis;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Lettuce connection to a standalone Redis (or the primary Sentinel names) or to a
 * Redis Cluster, seen through the commands both offer: on a cluster, each command goes to
 * the primary of its key's slot (a script's to its first key's; every key of a script
 * shares one hash tag, see {@link RedisKeys}).
 */
public final class ClusterAwareConnection implements AutoCloseable {

	private final AbstractRedisClient client;

	private final StatefulConnection<String, String> connection;

	/**
	 * Connects and disconnects of each connection of the client, since this one opened.
	 */
	private final Map<RedisChannelHandler<?, ?>, Long> generations = Collections.synchronizedMap(new WeakHashMap<>());

	private final RedisConnectionStateListener generationCounter = new RedisConnectionStateListener() {

		@Override
		public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
			ClusterAwareConnection.this.generations.merge(handler, 1L, Long::sum);
		}

		@Override
		public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
			ClusterAwareConnection.this.generations.merge(handler, 1L, Long::sum);
		}

	};

	private ClusterAwareConnection(AbstractRedisClient client, StatefulConnection<String, String> connection) {
		this.client = client;
		this.connection = connection;
		client.addListener(this.generationCounter);
	}

	/**
	 * Opens a connection with the client Spring Boot configured from
	 * {@code spring.data.redis.*}: a cluster connection when
	 * {@code spring.data.redis.cluster.nodes} is set.
	 * @param connectionFactory a started connection factory (it owns the client)
	 * @return a new connection, the caller's to close
	 */
	public static ClusterAwareConnection open(LettuceConnectionFactory connectionFactory) {
		AbstractRedisClient client = connectionFactory.getRequiredNativeClient();
		if (client instanceof RedisClusterClient cluster) {
			return new ClusterAwareConnection(client, cluster.connect(StringCodec.UTF8));
		}
		return new ClusterAwareConnection(client, ((RedisClient) client).connect(StringCodec.UTF8));
	}

	public RedisClusterCommands<String, String> sync() {
		return (this.connection instanceof StatefulRedisClusterConnection<String, String> cluster) ? cluster.sync()
				: ((StatefulRedisConnection<String, String>) this.connection).sync();
	}

	public RedisClusterAsyncCommands<String, String> async() {
		return (this.connection instanceof StatefulRedisClusterConnection<String, String> cluster) ? cluster.async()
				: ((StatefulRedisConnection<String, String>) this.connection).async();
	}

	public RedisClusterReactiveCommands<String, String> reactive() {
		return (this.connection instanceof StatefulRedisClusterConnection<String, String> cluster) ? cluster.reactive()
				: ((StatefulRedisConnection<String, String>) this.connection).reactive();
	}

	/**
	 * The connection to the primary serving a key's slot, as this client sees the
	 * cluster: the connection that carries the key's commands (on standalone Redis, the
	 * connection itself), owned by this one. Commands sent over it go to that node only
	 * (a node that no longer serves the slot answers {@code MOVED}: then
	 * {@link #refreshTopology()}). For commands about what this connection sent to that
	 * node, such as {@code WAIT} for its writes to reach the replicas, and for
	 * transactions ({@code MULTI}) on keys of one slot.
	 * @param key a key
	 * @return the node connection serving it, once open
	 */
	public CompletableFuture<StatefulRedisConnection<String, String>> nodeOf(String key) {
		if (this.connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
			RedisClusterNode primary = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
			if (primary == null) {
				return CompletableFuture
					.failedFuture(new RedisConnectionException("No node of the cluster serves the slot of " + key));
			}
			return cluster.getConnectionAsync(primary.getUri().getHost(), primary.getUri().getPort());
		}
		return CompletableFuture.completedFuture(standalone());
	}

	/**
	 * Reads the cluster's topology again, in the background (on standalone Redis,
	 * nothing): after a node answered that it no longer serves a slot ({@code MOVED}),
	 * for a failover or a slot migration this client has not seen yet.
	 */
	public void refreshTopology() {
		if (this.client instanceof RedisClusterClient cluster) {
			cluster.refreshPartitionsAsync();
		}
	}

	/**
	 * The connection to a standalone Redis.
	 * @return the connection
	 * @throws IllegalStateException on Redis Cluster
	 */
	public StatefulRedisConnection<String, String> standalone() {
		if (this.connection instanceof StatefulRedisConnection<String, String> standalone) {
			return standalone;
		}
		throw new IllegalStateException("Not a standalone Redis connection");
	}

	/**
	 * The connection itself, for raw command dispatch.
	 * @return the Lettuce connection
	 */
	public StatefulConnection<String, String> stateful() {
		return this.connection;
	}

	/**
	 * Sets how long a command may take before it fails (a blocking read's block time
	 * included).
	 * @param timeout the command timeout
	 */
	public void setTimeout(Duration timeout) {
		this.connection.setTimeout(timeout);
	}

	/**
	 * How often a connection (this one, or one of its node connections) disconnected or
	 * connected again since this one was opened. Lettuce sends a command whose reply a
	 * dropped connection never brought again after reconnecting, where the server sees it
	 * from a new client: a {@code WAIT} then counts none of the old socket's writes. A
	 * generation that changed between a write and its {@code WAIT} means the answer does
	 * not cover the write.
	 * @param connection the connection
	 * @return its generation
	 */
	public long generation(StatefulConnection<?, ?> connection) {
		return this.generations.getOrDefault(connection, 0L);
	}

	@Override
	public void close() {
		this.client.removeListener(this.generationCounter);
		this.connection.close();
	}

}
