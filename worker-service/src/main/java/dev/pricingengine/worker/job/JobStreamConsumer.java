package dev.pricingengine.worker.job;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pricingengine.common.redis.ClusterAwareConnection;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
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
 * failed unexpectedly stays pending. While an entry is worked on its claim is kept fresh
 * ({@link ClaimKeeper}), so only the entries of dead consumers are taken over. A consumer
 * that cannot read recreates the group if Redis lost it, otherwise waits longer after
 * each failure, and is reported as not ready until it reads again. A consumer that makes
 * no progress for long ends the worker ({@link ConsumerWatchdog}).
 */
@Component
class JobStreamConsumer implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(JobStreamConsumer.class);

	private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

	/** The most entries a consumer reads at once (what {@link #handleAll} folds). */
	private static final int MAX_ENTRIES_PER_READ = 100;

	private final LettuceConnectionFactory connectionFactory;

	private final SharedRedisConnection redisConnection;

	private final JobProcessor processor;

	private final RedisKeys keys;

	private final WorkerProperties properties;

	private final List<Thread> threads = new ArrayList<>();

	/** Consumers whose last read failed → why. */
	private final Map<String, String> failing = new ConcurrentHashMap<>();

	private volatile boolean running;

	private volatile CountDownLatch stopped = new CountDownLatch(1);

	private final ConsumerWatchdog watchdog;

	private ClaimKeeper claims;

	JobStreamConsumer(LettuceConnectionFactory connectionFactory, SharedRedisConnection redisConnection,
			JobProcessor processor, RedisKeys keys, WorkerProperties properties, ConsumerWatchdog watchdog) {
		this.connectionFactory = connectionFactory;
		this.redisConnection = redisConnection;
		this.processor = processor;
		this.keys = keys;
		this.properties = properties;
		this.watchdog = watchdog;
	}

	@Override
	public void start() {
		this.running = true;
		this.stopped = new CountDownLatch(1);
		this.claims = new ClaimKeeper(this.redisConnection, this.keys, this.properties);
		String base = hostname() + "-" + ManagementFactory.getRuntimeMXBean().getPid();
		for (int i = 0; i < this.properties.concurrency(); i++) {
			String name = (this.properties.concurrency() == 1) ? base : base + "-" + i;
			ClusterAwareConnection connection = ClusterAwareConnection.open(this.connectionFactory);
			connection.setTimeout(this.properties.readTimeout().plus(Duration.ofSeconds(5)));
			if (i == 0) {
				createGroup(connection.sync());
			}
			Thread thread = new Thread(() -> consume(connection, name), "job-consumer-" + i);
			this.threads.add(thread);
			thread.start();
		}
	}

	/**
	 * Consumers whose last attempt to read the job stream failed, with the error.
	 * @return consumer name → error message
	 */
	Map<String, String> failingConsumers() {
		return this.failing;
	}

	/**
	 * Creates the consumer group (and the stream) unless it exists: at start, and
	 * whenever Redis lost it (a restart without persistence, a failover to an empty
	 * replica, an operator's {@code DEL}). It reads from the stream's start, so entries
	 * added since the loss are not skipped.
	 */
	private void createGroup(RedisClusterCommands<String, String> redis) {
		try {
			redis.xgroupCreate(XReadArgs.StreamOffset.from(this.keys.jobStream(), "0"), this.properties.group(),
					XGroupCreateArgs.Builder.mkstream());
		}
		catch (RedisBusyException ex) {
			// BUSYGROUP: another worker created it
		}
	}

	private void consume(ClusterAwareConnection connection, String name) {
		Consumer<String> consumer = Consumer.from(this.properties.group(), name);
		XReadArgs read = XReadArgs.Builder.block(this.properties.readTimeout()).count(MAX_ENTRIES_PER_READ);
		String claimCursor = "0-0";
		Duration backoff = Duration.ZERO;
		long failingSince = 0;
		boolean recreated = false;
		this.watchdog.watch();
		try (connection) {
			while (this.running) {
				this.watchdog.progressed();
				try {
					RedisClusterCommands<String, String> redis = connection.sync();
					ClaimedMessages<String, String> claimed = redis.xautoclaim(this.keys.jobStream(),
							XAutoClaimArgs.Builder.xautoclaim(consumer, this.properties.claimIdle(), claimCursor)
								.count(1));
					claimCursor = claimed.getId();
					handleAll(redis, claimed.getMessages(), name, true);
					List<StreamMessage<String, String>> entries = redis.xreadgroup(consumer, read,
							XReadArgs.StreamOffset.lastConsumed(this.keys.jobStream()));
					if (this.failing.remove(name) != null) {
						logger.info("Job consumer {} reads the job stream again", name);
					}
					backoff = Duration.ZERO;
					failingSince = 0;
					recreated = false;
					handleAll(redis, entries, name, false);
					if (entries.isEmpty()) {
						this.processor.drainCoalescedIfIdle();
					}
				}
				catch (RuntimeException ex) {
					if (!this.running) {
						break;
					}
					this.failing.put(name, String.valueOf(ex.getMessage()));
					if (isNoGroup(ex) && !recreated) {
						logger.warn("The job stream's consumer group is gone (Redis lost the stream); {} recreates it",
								name);
						recreated = createGroupQuietly(connection.sync());
						if (recreated) {
							continue;
						}
					}
					backoff = backoff.isZero() ? FIRST_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
					if (failingSince == 0) {
						failingSince = System.nanoTime();
						logger.error("Job consumer {} failed; it tries again in {} ms (an entry it had not "
								+ "acknowledged stays pending)", name, backoff.toMillis(), ex);
					}
					else {
						logger.warn("Job consumer {} still failing after {} s: {}; next try in {} ms", name,
								Duration.ofNanos(System.nanoTime() - failingSince).toSeconds(), ex.getMessage(),
								backoff.toMillis());
					}
					awaitStop(backoff);
				}
			}
		}
		finally {
			this.watchdog.unwatch();
		}
	}

	private boolean createGroupQuietly(RedisClusterCommands<String, String> redis) {
		try {
			createGroup(redis);
			return true;
		}
		catch (RuntimeException ex) {
			logger.debug("Could not recreate the consumer group: {}", ex.getMessage());
			return false;
		}
	}

	private static boolean isNoGroup(RuntimeException ex) {
		return ex instanceof RedisCommandExecutionException && ex.getMessage() != null
				&& ex.getMessage().startsWith("NOGROUP");
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	/** Waits before the next try, returning at once when the consumers stop. */
	private void awaitStop(Duration delay) {
		try {
			this.stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.running = false;
		}
	}

	/**
	 * Processes the entries one read returned (keeping their claims fresh meanwhile),
	 * then applies the events coalesced meanwhile if the lock is free. Of the entries of
	 * one partition, only the first runs as a task that takes the lock: the others are
	 * handed over to it beforehand (coalesced without trying the lock), and its hold
	 * applies them all in one drain pass. So a backlog — after an outage, a burst, passes
	 * slower than the events — is worked off in a hold of each partition per read, not a
	 * pass per entry.
	 */
	private void handleAll(RedisClusterCommands<String, String> redis, List<StreamMessage<String, String>> entries,
			String name, boolean reclaimed) {
		if (entries.isEmpty()) {
			return;
		}
		Set<String> partitions = new HashSet<>();
		List<StreamMessage<String, String>> first = new ArrayList<>();
		List<StreamMessage<String, String>> handedOver = new ArrayList<>();
		for (StreamMessage<String, String> entry : entries) {
			(partitions.add(entry.getBody().getOrDefault(JobProcessor.PARTITION_FIELD, "")) ? first : handedOver)
				.add(entry);
		}
		List<String> ids = entries.stream().map(StreamMessage::getId).toList();
		this.claims.keep(ids, name);
		try {
			for (StreamMessage<String, String> entry : handedOver) {
				handle(redis, entry, name, reclaimed, true);
			}
			for (StreamMessage<String, String> entry : first) {
				handle(redis, entry, name, reclaimed, false);
			}
		}
		finally {
			ids.forEach(this.claims::forget);
		}
		this.processor.drainCoalescedIfIdle();
	}

	/**
	 * Processes an entry and acknowledges it once its outcome is recorded. An entry taken
	 * over from a dead consumer that has come back too often is dead-lettered as poison
	 * instead.
	 * @param handOver whether to coalesce its task without trying the lock
	 */
	private void handle(RedisClusterCommands<String, String> redis, StreamMessage<String, String> entry, String name,
			boolean reclaimed, boolean handOver) {
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
				acknowledge(redis, entry);
				return;
			}
		}
		this.processor.process(entry.getId(), entry.getBody(), name, handOver);
		acknowledge(redis, entry);
	}

	private void acknowledge(RedisClusterCommands<String, String> redis, StreamMessage<String, String> entry) {
		redis.xack(this.keys.jobStream(), this.properties.group(), entry.getId());
		this.claims.forget(entry.getId());
	}

	@Override
	public void stop() {
		this.running = false;
		this.stopped.countDown();
		for (Thread thread : this.threads) {
			try {
				thread.join(this.properties.readTimeout().plusSeconds(30).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.threads.clear();
		this.claims.close();
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
