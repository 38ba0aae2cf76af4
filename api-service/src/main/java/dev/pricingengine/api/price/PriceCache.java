package dev.pricingengine.api.price;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pricingengine.common.pricing.MarketPrice;
import dev.pricingengine.common.pricing.MarketPriceCodec;
import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Cached market prices, served from memory when possible and kept fresh by Redis
 * server-assisted client-side caching: the prices are read over a RESP3 connection with
 * {@code CLIENT TRACKING on}, and Redis pushes an invalidation for a key the moment it is
 * rewritten, deleted or expires.
 * <p>
 * A value is kept in memory only if no invalidation and no reconnect happened while it
 * was being read: each read first puts a placeholder, an invalidation removes whatever is
 * held for the key, and the reply replaces only its own placeholder. A reconnect drops
 * everything, since the new connection is tracked only once tracking is switched on
 * again.
 */
@Component
class PriceCache implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(PriceCache.class);

	private final RedisKeys keys;

	private final StatefulRedisConnection<String, String> connection;

	private final Cache<String, Object> local;

	private final boolean localEnabled;

	/**
	 * Changes whenever tracking may have been lost or restored; reads of an older one are
	 * not kept.
	 */
	private final AtomicLong epoch = new AtomicLong();

	private volatile boolean tracking;

	PriceCache(RedisClient redisClient, RedisKeys keys, PriceProperties properties) {
		this.keys = keys;
		this.localEnabled = properties.localCache().enabled();
		this.local = Caffeine.newBuilder()
			.maximumSize(properties.localCache().maxEntries())
			.expireAfterWrite(properties.cacheTtl())
			.build();
		this.connection = redisClient.connect(StringCodec.UTF8);
		if (this.localEnabled) {
			this.connection.addListener(this::onPushMessage);
			redisClient.addListener(new TrackingRestorer());
			this.connection.sync().clientTracking(TrackingArgs.Builder.enabled());
			this.tracking = true;
		}
	}

	/**
	 * The cached market price of a product.
	 * @param productId the product
	 * @return the price, or empty when none is cached
	 */
	Mono<MarketPrice> get(String productId) {
		String key = this.keys.price(productId);
		if (!this.localEnabled) {
			return fetch(key);
		}
		Object held = this.local.getIfPresent(key);
		if (held instanceof MarketPrice price) {
			return Mono.just(price);
		}
		if (!this.tracking) {
			return fetch(key);
		}
		long readEpoch = this.epoch.get();
		Object placeholder = new Object();
		this.local.put(key, placeholder);
		return fetch(key).doOnNext((price) -> {
			if (this.tracking && this.epoch.get() == readEpoch) {
				this.local.asMap().replace(key, placeholder, price);
			}
		}).doFinally((signal) -> this.local.asMap().remove(key, placeholder));
	}

	/** Number of prices currently held in memory. */
	long localSize() {
		return this.local.asMap().values().stream().filter(MarketPrice.class::isInstance).count();
	}

	private Mono<MarketPrice> fetch(String key) {
		return this.connection.reactive().get(key).map(MarketPriceCodec::decode);
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

	@Override
	public void destroy() {
		this.connection.close();
	}

	/**
	 * Drops what is held when the tracked connection drops, and tracks again after
	 * reconnect.
	 */
	private final class TrackingRestorer implements RedisConnectionStateListener {

		@Override
		public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
			if (handler == PriceCache.this.connection) {
				PriceCache.this.tracking = false;
				PriceCache.this.epoch.incrementAndGet();
				PriceCache.this.local.invalidateAll();
			}
		}

		@Override
		public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
			if (handler == PriceCache.this.connection) {
				PriceCache.this.connection.reactive().clientTracking(TrackingArgs.Builder.enabled()).subscribe((ok) -> {
					PriceCache.this.epoch.incrementAndGet();
					PriceCache.this.tracking = true;
				}, (ex) -> logger.warn("Could not re-enable client tracking; serving prices from Redis", ex));
			}
		}

	}

}
