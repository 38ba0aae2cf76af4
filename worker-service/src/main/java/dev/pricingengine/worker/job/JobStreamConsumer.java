package dev.pricingengine.worker.job;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.PendingMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * The consumer group on the job stream: {@code pricing.worker.concurrency} threads, each
 * with a connection of its own for its blocking {@code XREADGROUP}. An entry is
 * acknowledged only after its outcome is recorded (ack late); an entry whose processing
 * failed unexpectedly stays pending.
 */
@Component
class JobStreamConsumer implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(JobStreamConsumer.class);

	private final LettuceConnectionFactory connectionFactory;

	private final JobProcessor processor;

	private final RedisKeys keys;

	private final WorkerProperties properties;

	private final List<Thread> threads = new ArrayList<>();

	private volatile boolean running;

	JobStreamConsumer(LettuceConnectionFactory connectionFactory, JobProcessor processor, RedisKeys keys,
			WorkerProperties properties) {
		this.connectionFactory = connectionFactory;
		this.processor = processor;
		this.keys = keys;
		this.properties = properties;
	}

	@Override
	public void start() {
		this.running = true;
		String base = hostname() + "-" + ManagementFactory.getRuntimeMXBean().getPid();
		for (int i = 0; i < this.properties.concurrency(); i++) {
			String name = (this.properties.concurrency() == 1) ? base : base + "-" + i;
			StatefulRedisConnection<String, String> connection = SharedRedisConnection
				.nativeClient(this.connectionFactory)
				.connect(StringCodec.UTF8);
			connection.setTimeout(this.properties.readTimeout().plus(Duration.ofSeconds(5)));
			if (i == 0) {
				createGroup(connection);
			}
			Thread thread = new Thread(() -> consume(connection, name), "job-consumer-" + i);
			this.threads.add(thread);
			thread.start();
		}
	}

	private void createGroup(StatefulRedisConnection<String, String> connection) {
		try {
			connection.sync()
				.xgroupCreate(XReadArgs.StreamOffset.from(this.keys.jobStream(), "0"), this.properties.group(),
						XGroupCreateArgs.Builder.mkstream());
		}
		catch (RedisBusyException ex) {
			// BUSYGROUP: another worker created it
		}
	}

	private void consume(StatefulRedisConnection<String, String> connection, String name) {
		Consumer<String> consumer = Consumer.from(this.properties.group(), name);
		XReadArgs read = XReadArgs.Builder.block(this.properties.readTimeout()).count(1);
		XAutoClaimArgs<String> claim = XAutoClaimArgs.Builder.xautoclaim(consumer, this.properties.claimIdle(), "0-0")
			.count(1);
		try (connection) {
			while (this.running) {
				try {
					RedisCommands<String, String> redis = connection.sync();
					for (StreamMessage<String, String> entry : redis.xautoclaim(this.keys.jobStream(), claim)
						.getMessages()) {
						handle(redis, entry, name, true);
					}
					List<StreamMessage<String, String>> entries = redis.xreadgroup(consumer, read,
							XReadArgs.StreamOffset.lastConsumed(this.keys.jobStream()));
					for (StreamMessage<String, String> entry : entries) {
						handle(redis, entry, name, false);
					}
					if (entries.isEmpty()) {
						this.processor.drainCoalescedIfIdle();
					}
				}
				catch (RuntimeException ex) {
					if (this.running) {
						logger.error("Job consumer {} failed; an entry it had not acknowledged stays pending", name,
								ex);
					}
				}
			}
		}
	}

	/**
	 * Processes an entry, acknowledges it once its outcome is recorded, then applies the
	 * events coalesced meanwhile if the lock is free. An entry taken over from a dead
	 * consumer that has come back too often is dead-lettered as poison instead.
	 */
	private void handle(RedisCommands<String, String> redis, StreamMessage<String, String> entry, String name,
			boolean reclaimed) {
		if (reclaimed) {
			long deliveries = redis
				.xpending(this.keys.jobStream(), this.properties.group(), Range.create(entry.getId(), entry.getId()),
						Limit.from(1))
				.stream()
				.mapToLong(PendingMessage::getRedeliveryCount)
				.findFirst()
				.orElse(1);
			logger.warn("Consumer {} took over job stream entry {} (delivery {})", name, entry.getId(), deliveries);
			if (deliveries > this.properties.maxDeliveries()) {
				this.processor.poison(entry.getBody(), deliveries);
				redis.xack(this.keys.jobStream(), this.properties.group(), entry.getId());
				return;
			}
		}
		this.processor.process(entry.getId(), entry.getBody(), name);
		redis.xack(this.keys.jobStream(), this.properties.group(), entry.getId());
		this.processor.drainCoalescedIfIdle();
	}

	@Override
	public void stop() {
		this.running = false;
		for (Thread thread : this.threads) {
			try {
				thread.join(this.properties.readTimeout().plusSeconds(30).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.threads.clear();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// After the shared connection the processor uses; stopped before it.
		return this.connectionFactory.getPhase() + 2;
	}

	private static String hostname() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "worker";
		}
	}

}
