package dev.pricingengine.api;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.pricingengine.common.redis.RedisKeys;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A stand-in listener: a real subscription to the events channel, so that the API has a
 * receiver to publish to (no listener runs in these tests).
 */
public final class EventChannelSubscriber implements AutoCloseable {

	/** The messages received, in order. */
	public final BlockingQueue<String> received = new LinkedBlockingQueue<>();

	private final StatefulRedisPubSubConnection<String, String> connection;

	public EventChannelSubscriber(LettuceConnectionFactory connectionFactory, RedisKeys keys) {
		AbstractRedisClient client = connectionFactory.getRequiredNativeClient();
		this.connection = (client instanceof RedisClusterClient cluster) ? cluster.connectPubSub(StringCodec.UTF8)
				: ((RedisClient) client).connectPubSub(StringCodec.UTF8);
		this.connection.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void message(String channel, String message) {
				EventChannelSubscriber.this.received.add(message);
			}

			@Override
			public void smessage(String shardChannel, String message) {
				EventChannelSubscriber.this.received.add(message);
			}

		});
		if (client instanceof RedisClusterClient) {
			// as the listeners do: where SPUBLISH counts receivers
			this.connection.sync().ssubscribe(keys.shardedEventsChannel());
		}
		else {
			this.connection.sync().subscribe(keys.eventsChannel());
		}
	}

	@Override
	public void close() {
		this.connection.close();
	}

}
