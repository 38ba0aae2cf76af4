package dev.pricingengine.api.price;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pricingengine.common.redis.SharedRedisConnection;
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

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Cached market prices, served from memory when possible and kept fresh by Redis
 * server-assisted client-side caching: prices are read over a dedicated RESP3 connection
 * with {@code CLIENT TRACKING on}, and Redis pushes an invalidation for a key the moment
 * it is rewritten, deleted or expires.
 * <p>
 * A value is kept in memory only if no invalidation and no reconnect happened while it
 * was being read: each read first puts a placeholder, an invalidation removes whatever is
 * held for the key, and the reply replaces only its own placeholder. A disconnect drops
 * everything, and nothing read before tracking is switched on again is kept.
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

	private volatile StatefulRedisConnection<String, String> connection;

	private volatile boolean tracking;

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

	private Mono<MarketPrice> fetch(String key) {
		StatefulRedisConnection<String, String> current = this.connection;
		if (current == null) {
			return Mono.error(new IllegalStateException("The price cache is not started"));
		}
		return current.reactive().get(key).map(MarketPriceCodec::decode);
	}

	@Override
	public void start() {
		RedisClient client = SharedRedisConnection.nativeClient(this.connectionFactory);
		StatefulRedisConnection<String, String> opened = client.connect(StringCodec.UTF8);
		if (this.localEnabled) {
			opened.addListener(this::onPushMessage);
			client.addListener(new TrackingRestorer(opened));
			opened.sync().clientTracking(TrackingArgs.Builder.enabled());
			this.epoch.incrementAndGet();
			this.tracking = true;
		}
		this.connection = opened;
	}

	@Override
	public void stop() {
		StatefulRedisConnection<String, String> current = this.connection;
		this.connection = null;
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
		this.tracking = false;
		this.epoch.incrementAndGet();
		this.local.invalidateAll();
	}

	/**
	 * Drops what is held when the tracked connection drops, and tracks again after
	 * reconnect.
	 */
	private final class TrackingRestorer implements RedisConnectionStateListener {

		private final StatefulRedisConnection<String, String> tracked;

		TrackingRestorer(StatefulRedisConnection<String, String> tracked) {
			this.tracked = tracked;
		}

		@Override
		public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
			if (handler == this.tracked) {
				dropAll();
			}
		}

		@Override
		public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
			if (handler == this.tracked && this.tracked.isOpen()) {
				this.tracked.reactive().clientTracking(TrackingArgs.Builder.enabled()).subscribe((ok) -> {
					PriceCache.this.epoch.incrementAndGet();
					PriceCache.this.tracking = true;
				}, (ex) -> logger.warn("Could not switch client tracking on again; serving prices from Redis", ex));
			}
		}

	}

}
