package dev.pricingengine.api.price;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.TransientRedisErrors;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Cached market prices, served from memory when possible and kept fresh by Redis
 * server-assisted client-side caching: prices are read over connections with
 * {@code CLIENT TRACKING on} (RESP3), and Redis pushes an invalidation for a key the
 * moment it is rewritten, deleted or expires. On Redis Cluster each primary tracks the
 * reads sent to it: a price is read over the connection to the primary serving its slot,
 * tracking is switched on for that connection before its first read is kept (so a new
 * primary, after a failover or a slot migration, is tracked from its first use), and a
 * read the client routed to a stale node ({@code MOVED}) is served, uncached, through the
 * cluster connection's redirects.
 * <p>
 * A value is kept in memory only if it was read over a tracked connection and no
 * invalidation and no disconnect happened while it was being read: each read first puts a
 * placeholder, an invalidation removes whatever is held for the key, and the reply
 * replaces only its own placeholder. A disconnect drops everything, and the connection is
 * tracked again before a read over it is kept.
 */
@Component
class PriceCache implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(PriceCache.class);

	private final LettuceConnectionFactory connectionFactory;

	private final RedisKeys keys;

	private final Cache<String, Object> local;

	private final boolean localEnabled;

	/**
	 * Changes whenever tracking may have been lost or restored; reads of an older one are
	 * not kept.
	 */
	private final AtomicLong epoch = new AtomicLong();

	/** Node connections with tracking on; reads over them may be kept. */
	private final Set<StatefulRedisConnection<String, String>> tracked = ConcurrentHashMap.newKeySet();

	/** Node connections tracking is being switched on for, or is on. */
	private final Set<StatefulRedisConnection<String, String>> tracking = ConcurrentHashMap.newKeySet();

	/** Node connections whose invalidations this cache listens to. */
	private final Set<StatefulRedisConnection<String, String>> listened = ConcurrentHashMap.newKeySet();

	private final RedisConnectionStateListener disconnects = new RedisConnectionStateListener() {

		@Override
		public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
			if (PriceCache.this.tracking.remove(handler) | PriceCache.this.tracked.remove(handler)) {
				dropAll();
			}
		}

	};

	private volatile ClusterAwareConnection connection;

	PriceCache(LettuceConnectionFactory connectionFactory, RedisKeys keys, PriceProperties properties) {
		this.connectionFactory = connectionFactory;
		this.keys = keys;
		this.localEnabled = properties.localCache().enabled();
		this.local = Caffeine.newBuilder()
			.maximumSize(properties.localCache().maxEntries())
			.expireAfterWrite(properties.cacheTtl())
			.build();
	}

	/**
	 * The cached market price of a product.
	 * @param productId the product
	 * @return the price, or empty when none is cached
	 */
	Mono<MarketPrice> get(String productId) {
		String key = this.keys.price(productId);
		ClusterAwareConnection current = this.connection;
		if (current == null) {
			return Mono.error(new IllegalStateException("The price cache is not started"));
		}
		if (!this.localEnabled) {
			return current.reactive().get(key).map(MarketPriceCodec::decode);
		}
		Object held = this.local.getIfPresent(key);
		if (held instanceof MarketPrice price) {
			return Mono.just(price);
		}
		// suppressCancel: the future is Lettuce's, shared by every caller opening that
		// node
		return Mono.fromFuture(() -> current.nodeOf(key), true)
			.flatMap((node) -> read(node, key))
			.onErrorResume(TransientRedisErrors::isRedirect, (ex) -> {
				current.refreshTopology();
				return current.reactive().get(key);
			})
			.map(MarketPriceCodec::decode);
	}

	/** Reads over a node connection, keeping the value if the connection is tracked. */
	private Mono<String> read(StatefulRedisConnection<String, String> node, String key) {
		if (!this.tracked.contains(node)) {
			startTracking(node);
			return node.reactive().get(key);
		}
		long readEpoch = this.epoch.get();
		Object placeholder = new Object();
		this.local.put(key, placeholder);
		return node.reactive().get(key).doOnNext((value) -> {
			if (this.tracked.contains(node) && this.epoch.get() == readEpoch) {
				this.local.asMap().replace(key, placeholder, MarketPriceCodec.decode(value));
			}
		}).doFinally((signal) -> this.local.asMap().remove(key, placeholder));
	}

	private void startTracking(StatefulRedisConnection<String, String> node) {
		if (!node.isOpen() || !this.tracking.add(node)) {
			return;
		}
		if (this.listened.add(node)) {
			node.addListener(this::onPushMessage);
		}
		node.reactive().clientTracking(TrackingArgs.Builder.enabled()).subscribe((ok) -> {
			if (this.tracking.contains(node)) {
				this.epoch.incrementAndGet();
				this.tracked.add(node);
			}
		}, (ex) -> {
			this.tracking.remove(node);
			logger.warn("Could not switch client tracking on; serving prices from Redis until it is", ex);
		});
	}

	@Override
	public void start() {
		ClusterAwareConnection opened = ClusterAwareConnection.open(this.connectionFactory);
		if (this.localEnabled) {
			this.connectionFactory.getRequiredNativeClient().addListener(this.disconnects);
			if (opened.stateful() instanceof StatefulRedisClusterConnection<String, String> cluster) {
				// each primary's connection, as it opens (a primary failing now is
				// tracked
				// from its first read, once it serves again)
				cluster.getPartitions()
					.stream()
					.filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM)
							&& !node.is(RedisClusterNode.NodeFlag.FAIL))
					.forEach((primary) -> cluster
						.getConnectionAsync(primary.getUri().getHost(), primary.getUri().getPort())
						.thenAccept(this::startTracking));
			}
			else {
				startTracking(opened.standalone());
			}
		}
		this.connection = opened;
	}

	@Override
	public void stop() {
		ClusterAwareConnection current = this.connection;
		this.connection = null;
		this.connectionFactory.getRequiredNativeClient().removeListener(this.disconnects);
		this.tracking.clear();
		this.tracked.clear();
		this.listened.clear();
		dropAll();
		if (current != null) {
			current.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.connection != null;
	}

	@Override
	public int getPhase() {
		return this.connectionFactory.getPhase() + 1;
	}

	private void onPushMessage(PushMessage message) {
		if (!"invalidate".equals(message.getType())) {
			return;
		}
		List<Object> content = message.getContent(StringCodec.UTF8::decodeKey);
		Object invalidated = (content.size() > 1) ? content.get(1) : null;
		if (invalidated instanceof List<?> invalidatedKeys) {
			invalidatedKeys.forEach((key) -> this.local.invalidate(String.valueOf(key)));
		}
		else {
			// A null key list means Redis flushed its tracking table (FLUSHALL, FLUSHDB).
			this.local.invalidateAll();
		}
	}

	private void dropAll() {
		this.epoch.incrementAndGet();
		this.local.invalidateAll();
	}

}
