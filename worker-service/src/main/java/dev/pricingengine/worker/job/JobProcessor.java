package dev.pricingengine.worker.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.fault.FaultSettings;
import dev.pricingengine.common.job.DeadLetterProperties;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.job.JobState;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import dev.pricingengine.worker.marketdata.MarketDataStep;
import dev.pricingengine.worker.recalc.Recalculator;
import dev.pricingengine.worker.recalc.UnknownProductException;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.redisson.api.RFencedLock;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs one job's task for one partition: takes the partition's fenced recalculation lock
 * without waiting, applies the event to the partition, recalculates its scope there and
 * the events coalesced meanwhile, and records every step in the job status (which
 * aggregates the partitions' tasks); if another worker holds the lock, hands the event to
 * it (coalesced), as it does with a task read together with an earlier one of its
 * partition (whose task takes the lock next) without trying the lock. Transient failures
 * are retried by Spring's {@link RetryTemplate}; a job that cannot succeed goes to the
 * dead-letter stream with its reason.
 */
@Component
class JobProcessor {

	private static final Logger logger = LoggerFactory.getLogger(JobProcessor.class);

	private static final AttributeKey<Long> QUEUE_WAIT = AttributeKey.longKey("pricing.job.queue_wait_ms");

	private static final AttributeKey<String> WORKER = AttributeKey.stringKey("pricing.job.worker");

	private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("pricing.job.attempt");

	private static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("pricing.job.attempts");

	private static final AttributeKey<String> ERROR = AttributeKey.stringKey("pricing.job.error");

	private static final AttributeKey<Boolean> LOCK_ACQUIRED = AttributeKey.booleanKey("pricing.lock.acquired");

	private static final AttributeKey<Long> FENCING_TOKEN = AttributeKey.longKey("pricing.lock.fencing_token");

	private static final AttributeKey<Long> COALESCED = AttributeKey.longKey("pricing.coalesced.events");

	private static final AttributeKey<Boolean> HANDED_OVER = AttributeKey.booleanKey("pricing.job.handed_over");

	private static final AttributeKey<Long> PARTITION = AttributeKey.longKey("pricing.partition");

	/** Field of a job stream entry naming the partition its task is for. */
	static final String PARTITION_FIELD = "partition";

	private static final LuaScript RECORD_STATUS = LuaScript.fromClasspath("scripts/record-job-status.lua");

	/** States a job ends in. */
	private static final Set<String> FINISHED = Set.of(JobState.SUCCEEDED.name(), JobState.COALESCED.name(),
			JobState.DEAD_LETTERED.name());

	/** Skipped records named in a job's status; the others are only counted. */
	private static final int MAX_SKIPPED_NAMED = 20;

	private final SharedRedisConnection redisConnection;

	private final RedissonClient redisson;

	private final Recalculator recalculator;

	private final MarketDataStep marketData;

	private final RetryTemplate retryTemplate;

	private final RedisKeys keys;

	private final String lockName;

	private final RedisKeys.Partition[] partitions;

	private final JobMetrics metrics;

	private final Duration deadLetterRetention;

	private final CurrentTasks currentTasks;

	private final ConsumerWatchdog watchdog;

	JobProcessor(SharedRedisConnection redisConnection, RedissonClient redisson, Recalculator recalculator,
			MarketDataStep marketData, RetryTemplate jobRetryTemplate, RedisKeys keys, WorkerProperties properties,
			DeadLetterProperties deadLetters, JobMetrics metrics, CurrentTasks currentTasks,
			ConsumerWatchdog watchdog) {
		this.redisConnection = redisConnection;
		this.redisson = redisson;
		this.recalculator = recalculator;
		this.marketData = marketData;
		this.retryTemplate = jobRetryTemplate;
		this.keys = keys;
		this.lockName = properties.lockName();
		this.partitions = IntStream.range(0, keys.partitions())
			.mapToObj(keys::partition)
			.toArray(RedisKeys.Partition[]::new);
		this.metrics = metrics;
		this.deadLetterRetention = deadLetters.retention();
		this.currentTasks = currentTasks;
		this.watchdog = watchdog;
	}

	/**
	 * Processes a job stream entry (one partition's task of a job) in a CONSUMER span
	 * that continues the event's trace; returns once its outcome is recorded.
	 * @param entryId the entry's id (its time part is when it was enqueued, Redis clock)
	 * @param entry the entry's fields ({@code event_id}, {@code envelope},
	 * {@code partition})
	 * @param worker the consumer processing it
	 * @param handOver whether to coalesce the task without trying the lock: it was read
	 * with an earlier entry of the same partition, whose task takes the lock next
	 */
	void process(String entryId, Map<String, String> entry, String worker, boolean handOver) {
		String eventId = entry.getOrDefault("event_id", "unknown");
		int partition;
		EventEnvelope envelope;
		try {
			partition = partition(entry);
			if (hasOutcome(eventId, entryId, partition)) {
				logger.info("Job {} already has its outcome for stream entry {}; not run again", eventId, entryId);
				return;
			}
			envelope = EnvelopeCodec.decode(entry.get("envelope"));
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			deadLetter(eventId, entry.get("envelope"), "malformed", "Malformed job: " + ex.getMessage(), 1,
					entry.getOrDefault(PARTITION_FIELD, "0"));
			return;
		}
		Context processing = MessageTracing.startProcess(this.keys.jobStream(), envelope);
		Span span = Span.fromContext(processing).setAttribute(PARTITION, partition);
		try (Scope scope = processing.makeCurrent()) {
			long enqueuedAt = Long.parseLong(entryId.substring(0, entryId.indexOf('-')));
			long queueWait = Math.max(0, RedisClock.millis(this.redisConnection.connection().sync()) - enqueuedAt);
			span.setAttribute(QUEUE_WAIT, queueWait);
			this.metrics.queueWait(Duration.ofMillis(queueWait));
			span.setAttribute(WORKER, worker).setAttribute(HANDED_OVER, handOver);
			AtomicInteger attempts = new AtomicInteger();
			try {
				this.retryTemplate
					.execute(() -> attempt(envelope, partition, worker, attempts.incrementAndGet(), handOver));
			}
			catch (RetryException ex) {
				Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
				span.setStatus(StatusCode.ERROR, cause.getMessage());
				deadLetter(eventId, entry.get("envelope"), "failed",
						cause.getClass().getSimpleName() + ": " + cause.getMessage(), attempts.get(),
						String.valueOf(partition));
			}
		}
		finally {
			this.currentTasks.finished(worker);
			span.end();
		}
	}

	/**
	 * The partition an entry's task is for. An entry without one was bridged before
	 * partitions, onto a data set of one partition.
	 * @throws IllegalArgumentException if it names no partition of this data set
	 */
	private int partition(Map<String, String> entry) {
		String partition = entry.get(PARTITION_FIELD);
		if (partition == null && this.partitions.length == 1) {
			return 0;
		}
		try {
			int index = Integer.parseInt(String.valueOf(partition));
			if (index >= 0 && index < this.partitions.length) {
				return index;
			}
		}
		catch (NumberFormatException ex) {
			// refused below
		}
		throw new IllegalArgumentException(
				"no partition " + partition + " in a data set of " + this.partitions.length + " partition(s)");
	}

	/**
	 * Whether the job's status already records an outcome of this stream entry for its
	 * partition: its worker recorded it and died before acknowledging the entry, which
	 * was then taken over (or redelivered to a group Redis recreated). A status written
	 * before partitions has only the job's fields, each read where the task's is absent.
	 */
	private boolean hasOutcome(String eventId, String entryId, int partition) {
		List<KeyValue<String, String>> status = this.redisConnection.connection()
			.sync()
			.hmget(this.keys.job(eventId), JobFields.partition(partition, JobFields.STATE),
					JobFields.partition(partition, JobFields.STREAM_ENTRY), JobFields.STATE, JobFields.STREAM_ENTRY);
		String state = status.get(0).getValueOrElse(status.get(2).getValueOrElse(""));
		String entry = status.get(1).getValueOrElse(status.get(3).getValueOrElse(null));
		return entryId.equals(entry) && FINISHED.contains(state);
	}

	/** One attempt at a job's task, in a span of its own. */
	private Void attempt(EventEnvelope envelope, int partition, String worker, int attempt, boolean handOver) {
		if (attempt > 1) {
			this.metrics.retried();
		}
		Span span = MessageTracing.tracer().spanBuilder("attempt").setAttribute(ATTEMPT, attempt).startSpan();
		try (Scope scope = span.makeCurrent()) {
			run(envelope, partition, worker, attempt, handOver);
			return null;
		}
		catch (RuntimeException ex) {
			span.recordException(ex).setStatus(StatusCode.ERROR);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	/**
	 * Dead-letters a job that keeps coming back (its workers die on it).
	 * @param entry the entry's fields
	 * @param deliveries how often it was delivered
	 */
	void poison(Map<String, String> entry, long deliveries) {
		deadLetter(entry.getOrDefault("event_id", "unknown"), entry.get("envelope"), "poison",
				"Poison: delivered " + deliveries + " times without an outcome", (int) deliveries,
				entry.getOrDefault(PARTITION_FIELD, "0"));
	}

	private void run(EventEnvelope envelope, int partition, String worker, int attempt, boolean handOver) {
		String lockName = this.partitions[partition].recalculationLock(this.lockName);
		RedisClusterCommands<String, String> redis = this.redisConnection.connection().sync();
		this.currentTasks.started(worker, envelope.eventId(), partition, attempt);
		this.watchdog.progressed();
		record(redis, envelope, partition, JobFields.STARTED_AT, JobFields.STATE,
				(attempt == 1) ? JobState.RUNNING.name() : JobState.RETRYING.name(), JobFields.ATTEMPTS,
				String.valueOf(attempt), JobFields.WORKER, worker, JobFields.LOCK, lockName);
		FaultSettings faults = this.marketData.run();
		if (handOver) {
			coalesce(redis, partition, envelope);
			return;
		}
		RFencedLock lock = this.redisson.getFencedLock(lockName);
		Span lockSpan = MessageTracing.tracer().spanBuilder("lock " + lockName).startSpan();
		Long token = tryLock(lock);
		long lockedAt = System.nanoTime();
		lockSpan.setAttribute(LOCK_ACQUIRED, token != null);
		if (token == null) {
			lockSpan.end();
			coalesce(redis, partition, envelope);
			return;
		}
		lockSpan.setAttribute(FENCING_TOKEN, token);
		this.currentTasks.locked(worker, token);
		this.watchdog.progressed();
		Recalculator.Result result;
		List<String> skipped;
		boolean released;
		try (Scope scope = lockSpan.makeCurrent()) {
			record(redis, envelope, partition, JobFields.LOCKED_AT, JobFields.STATE, JobState.RUNNING.name(),
					JobFields.FENCING_TOKEN, String.valueOf(token));
			result = this.recalculator.apply(partition, envelope, token, faults.batchLatencyMs(),
					(processed, total) -> {
						this.watchdog.progressed();
						record(redis, envelope, partition, null, JobFields.PROCESSED, String.valueOf(processed),
								JobFields.TOTAL, String.valueOf(total));
					});
			skipped = new ArrayList<>(result.skipped());
			skipped.addAll(drainCoalesced(redis, partition, token));
			record(redis, envelope, partition, JobFields.UNLOCKED_AT);
		}
		finally {
			released = release(lock, lockedAt);
			lockSpan.end();
		}
		List<String> fields = new ArrayList<>(List.of(JobFields.STATE, JobState.SUCCEEDED.name(), JobFields.PROCESSED,
				String.valueOf(result.processed()), JobFields.TOTAL, String.valueOf(result.total()),
				JobFields.LOCK_EXPIRED, String.valueOf(!released)));
		if (!skipped.isEmpty()) {
			fields.addAll(List.of(JobFields.SKIPPED, describeSkipped(skipped)));
		}
		record(redis, envelope, partition, JobFields.FINISHED_AT, fields.toArray(String[]::new));
		this.metrics.finished(JobState.SUCCEEDED);
	}

	/**
	 * Records a change of a partition's task in the job's status in one atomic call,
	 * which also aggregates the job's fields over its partitions, unless the status
	 * expired meanwhile (then it stays gone: see {@code record-job-status.lua}).
	 * @param partition the task's partition
	 * @param stamp field to set to the Redis clock, or {@code null}
	 * @param fieldsAndValues field, value, field, value...
	 */
	private void record(RedisClusterCommands<String, String> redis, EventEnvelope envelope, int partition, String stamp,
			String... fieldsAndValues) {
		recordStatus(redis, envelope.eventId(), this.keys.partitionsOf(envelope.event().productId()),
				String.valueOf(partition), stamp, false, fieldsAndValues);
	}

	/**
	 * Calls {@code record-job-status.lua}.
	 * @param eventId the job's (event's) id
	 * @param scope the partitions of the event's scope ('' when unknown)
	 * @param deadLetter whether the task is dead-lettered
	 */
	private void recordStatus(RedisClusterCommands<String, String> redis, String eventId, String scope,
			String partition, String stamp, boolean deadLetter, String... fieldsAndValues) {
		String[] args = new String[fieldsAndValues.length + 5];
		args[0] = partition;
		args[1] = (stamp != null) ? stamp : "";
		args[2] = deadLetter ? eventId : "";
		args[3] = String.valueOf(this.deadLetterRetention.toMillis());
		args[4] = scope;
		System.arraycopy(fieldsAndValues, 0, args, 5, fieldsAndValues.length);
		RECORD_STATUS.call(redis, ScriptOutputType.INTEGER,
				new String[] { this.keys.job(eventId), this.keys.deadLetters() }, args);
	}

	/** The skipped records' names for the job status, the first few of them. */
	private static String describeSkipped(List<String> skipped) {
		String named = String.join(",", skipped.subList(0, Math.min(skipped.size(), MAX_SKIPPED_NAMED)));
		return (skipped.size() > MAX_SKIPPED_NAMED) ? named + " and " + (skipped.size() - MAX_SKIPPED_NAMED) + " more"
				: named;
	}

	/**
	 * Hands the event to the holder of the partition's lock (or to the task about to take
	 * it), who applies it there before releasing the lock. If the holder released it
	 * meanwhile (after its last look), {@link #drainCoalescedIfIdle} after this job takes
	 * the lock and drains.
	 */
	private void coalesce(RedisClusterCommands<String, String> redis, int partition, EventEnvelope envelope) {
		redis.hset(this.keys.coalescedEvents(partition), envelope.eventId(), EnvelopeCodec.encode(envelope));
		record(redis, envelope, partition, JobFields.FINISHED_AT, JobFields.STATE, JobState.COALESCED.name());
		this.metrics.finished(JobState.COALESCED);
	}

	/**
	 * Applies the coalesced events of each partition while there are some and nobody else
	 * holds its lock, a pass per hold. Consumers call it after each job's outcome is
	 * recorded and acknowledged (so a holder looks again after releasing, and a job never
	 * waits on events that arrived after it) and when idle, so that no handed-over event
	 * waits for the next job.
	 */
	void drainCoalescedIfIdle() {
		RedisClusterCommands<String, String> redis = this.redisConnection.connection().sync();
		for (int partition = 0; partition < this.partitions.length; partition++) {
			RFencedLock lock = this.redisson.getFencedLock(this.partitions[partition].recalculationLock(this.lockName));
			while (redis.hlen(this.keys.coalescedEvents(partition)) > 0) {
				Long token = tryLock(lock);
				if (token == null) {
					break; // the holder drains before releasing, and looks again after
				}
				long lockedAt = System.nanoTime();
				try {
					drainCoalesced(redis, partition, token);
				}
				finally {
					release(lock, lockedAt);
				}
			}
		}
	}

	/**
	 * Under the lock: applies every event coalesced so far, recalculates the union of
	 * their scopes in one pass, and only then forgets them (a holder that dies leaves
	 * them for the next). Events coalesced during the pass are left for
	 * {@link #drainCoalescedIfIdle}, so that a steady stream of events does not keep one
	 * job running (and unacknowledged) for ever. A coalesced entry that is no event is
	 * dead-lettered and forgotten with the others; the rest are applied.
	 * @return what was skipped: malformed coalesced entries (their ids) and malformed
	 * catalog entries of the pass
	 */
	private List<String> drainCoalesced(RedisClusterCommands<String, String> redis, int partition, long token) {
		Map<String, String> coalesced = redis.hgetall(this.keys.coalescedEvents(partition));
		if (coalesced.isEmpty()) {
			return List.of();
		}
		List<String> skipped = new ArrayList<>();
		Map<String, EventEnvelope> events = new LinkedHashMap<>();
		coalesced.forEach((eventId, json) -> {
			try {
				events.put(json, EnvelopeCodec.decode(json));
			}
			catch (IllegalArgumentException ex) {
				deadLetter(eventId, json, "malformed", "Malformed coalesced event: " + ex.getMessage(), 1,
						String.valueOf(partition));
				skipped.add(eventId);
			}
		});
		SpanBuilder builder = MessageTracing.tracer()
			.spanBuilder("drain coalesced")
			.setAttribute(COALESCED, coalesced.size())
			.setAttribute(PARTITION, partition);
		events.values().forEach((event) -> builder.addLink(MessageTracing.senderSpanContext(event)));
		Span span = builder.startSpan();
		try (Scope current = span.makeCurrent()) {
			skipped.addAll(applyCoalesced(partition, events, token));
		}
		finally {
			span.end();
		}
		redis.hdel(this.keys.coalescedEvents(partition), coalesced.keySet().toArray(String[]::new));
		logger.info("Applied {} coalesced event(s) in one pass over partition {} (token {})", events.size(), partition,
				token);
		return skipped;
	}

	private List<String> applyCoalesced(int partition, Map<String, EventEnvelope> events, long token) {
		Recalculator.Scope scope = null;
		for (Map.Entry<String, EventEnvelope> event : events.entrySet()) {
			try {
				this.recalculator.applyEvent(partition, event.getValue());
			}
			catch (UnknownProductException ex) {
				deadLetter(event.getValue().eventId(), event.getKey(), "failed", ex.getMessage(), 1,
						String.valueOf(partition));
				continue;
			}
			Recalculator.Scope eventScope = Recalculator.Scope.of(event.getValue().event());
			scope = (scope != null) ? scope.union(eventScope) : eventScope;
		}
		if (scope == null) {
			return List.of();
		}
		return this.recalculator.recalculate(partition, scope, token, (processed, total) -> this.watchdog.progressed())
			.skipped();
	}

	/**
	 * Takes the lock if it is free, without waiting (Redisson's no-argument
	 * {@code tryLockAndGetToken()} waits).
	 * @return the fencing token, or {@code null} when another holds the lock
	 */
	private Long tryLock(RFencedLock lock) {
		long start = System.nanoTime();
		Long token = lock.tryLockAndGetToken(0, TimeUnit.MILLISECONDS);
		this.metrics.lockAttempt(Duration.ofNanos(System.nanoTime() - start), token != null);
		return token;
	}

	/**
	 * Releases the lock unless its lease expired meanwhile (the holder was paused longer
	 * than the lease, or Redis lost the renewals; fencing kept its late writes out).
	 * @return whether the lock was still held
	 */
	private boolean release(RFencedLock lock, long lockedAt) {
		this.metrics.lockHeld(Duration.ofNanos(System.nanoTime() - lockedAt));
		try {
			lock.unlock();
			return true;
		}
		catch (IllegalMonitorStateException ex) {
			logger.warn("The recalculation lock was lost before its release: {}", ex.getMessage());
			return false;
		}
	}

	/**
	 * Puts a job's task on the dead-letter stream with its status, in one atomic call
	 * ({@code record-job-status.lua}): the status is kept as long as the dead letter.
	 */
	private void deadLetter(String eventId, String envelope, String reason, String error, int attempts,
			String partition) {
		RedisClusterCommands<String, String> redis = this.redisConnection.connection().sync();
		logger.error("Dead-lettering job {} after {} attempt(s): {}", eventId, attempts, error);
		Span span = MessageTracing.startSend(this.keys.deadLetters(), eventId)
			.setAttribute(ATTEMPTS, attempts)
			.setAttribute(ERROR, error);
		try (Scope scope = span.makeCurrent()) {
			recordStatus(redis, eventId, scopeOf(envelope), partition, JobFields.FINISHED_AT, true, JobFields.STATE,
					JobState.DEAD_LETTERED.name(), JobFields.ENVELOPE, String.valueOf(envelope), JobFields.ERROR, error,
					JobFields.ATTEMPTS, String.valueOf(attempts));
		}
		finally {
			span.end();
		}
		this.metrics.deadLettered(reason);
		this.metrics.finished(JobState.DEAD_LETTERED);
	}

	/** The partitions of a dead-lettered envelope's scope, or '' when it is no event. */
	private String scopeOf(String envelope) {
		try {
			return this.keys.partitionsOf(EnvelopeCodec.decode(envelope).event().productId());
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			return "";
		}
	}

}
