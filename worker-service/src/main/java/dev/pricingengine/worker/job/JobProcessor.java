package dev.pricingengine.worker.job;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.job.JobState;
import dev.pricingengine.common.redis.RedisClock;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.tracing.MessageTracing;
import dev.pricingengine.worker.marketdata.MarketDataStep;
import dev.pricingengine.worker.recalc.Recalculator;
import dev.pricingengine.worker.recalc.UnknownProductException;
import io.lettuce.core.api.sync.RedisCommands;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import org.redisson.api.RFencedLock;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs one job: takes the fenced recalculation lock without waiting, applies the event,
 * recalculates its scope and the events coalesced meanwhile, and records every step in
 * the job status; if another worker holds the lock, hands the event to it (coalesced).
 * Transient failures are retried by Spring's {@link RetryTemplate}; a job that cannot
 * succeed goes to the dead-letter stream with its reason.
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

	private final SharedRedisConnection redisConnection;

	private final RedissonClient redisson;

	private final Recalculator recalculator;

	private final MarketDataStep marketData;

	private final RetryTemplate retryTemplate;

	private final RedisKeys keys;

	private final String lockName;

	private final JobMetrics metrics;

	JobProcessor(SharedRedisConnection redisConnection, RedissonClient redisson, Recalculator recalculator,
			MarketDataStep marketData, RetryTemplate jobRetryTemplate, RedisKeys keys, WorkerProperties properties,
			JobMetrics metrics) {
		this.redisConnection = redisConnection;
		this.redisson = redisson;
		this.recalculator = recalculator;
		this.marketData = marketData;
		this.retryTemplate = jobRetryTemplate;
		this.keys = keys;
		this.lockName = keys.prefix() + properties.lockName();
		this.metrics = metrics;
	}

	/**
	 * Processes a job stream entry in a CONSUMER span that continues the event's trace;
	 * returns once its outcome is recorded.
	 * @param entryId the entry's id (its time part is when it was enqueued, Redis clock)
	 * @param entry the entry's fields ({@code event_id}, {@code envelope})
	 * @param worker the consumer processing it
	 */
	void process(String entryId, Map<String, String> entry, String worker) {
		String eventId = entry.getOrDefault("event_id", "unknown");
		EventEnvelope envelope;
		try {
			envelope = EnvelopeCodec.decode(entry.get("envelope"));
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			deadLetter(eventId, entry.get("envelope"), "malformed", "Malformed job: " + ex.getMessage(), 1);
			return;
		}
		Span span = MessageTracing.startProcess(this.keys.jobStream(), envelope);
		try (Scope scope = span.makeCurrent()) {
			long enqueuedAt = Long.parseLong(entryId.substring(0, entryId.indexOf('-')));
			long queueWait = Math.max(0, RedisClock.millis(this.redisConnection.connection().sync()) - enqueuedAt);
			span.setAttribute(QUEUE_WAIT, queueWait);
			this.metrics.queueWait(Duration.ofMillis(queueWait));
			span.setAttribute(WORKER, worker);
			AtomicInteger attempts = new AtomicInteger();
			try {
				this.retryTemplate.execute(() -> attempt(envelope, worker, attempts.incrementAndGet()));
			}
			catch (RetryException ex) {
				Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
				span.setStatus(StatusCode.ERROR, cause.getMessage());
				deadLetter(eventId, entry.get("envelope"), "failed",
						cause.getClass().getSimpleName() + ": " + cause.getMessage(), attempts.get());
			}
		}
		finally {
			span.end();
		}
	}

	/** One attempt at a job, in a span of its own. */
	private Void attempt(EventEnvelope envelope, String worker, int attempt) {
		if (attempt > 1) {
			this.metrics.retried();
		}
		Span span = MessageTracing.tracer().spanBuilder("attempt").setAttribute(ATTEMPT, attempt).startSpan();
		try (Scope scope = span.makeCurrent()) {
			run(envelope, worker, attempt);
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
				"Poison: delivered " + deliveries + " times without an outcome", (int) deliveries);
	}

	private void run(EventEnvelope envelope, String worker, int attempt) {
		String job = this.keys.job(envelope.eventId());
		RedisCommands<String, String> redis = this.redisConnection.connection().sync();
		redis.hset(job,
				Map.of(JobFields.STATE, (attempt == 1) ? JobState.RUNNING.name() : JobState.RETRYING.name(),
						JobFields.ATTEMPTS, String.valueOf(attempt), JobFields.WORKER, worker, JobFields.STARTED_AT,
						String.valueOf(RedisClock.millis(redis)), JobFields.LOCK, this.lockName));
		this.marketData.run();
		RFencedLock lock = this.redisson.getFencedLock(this.lockName);
		Span lockSpan = MessageTracing.tracer().spanBuilder("lock " + this.lockName).startSpan();
		Long token = tryLock(lock);
		long lockedAt = System.nanoTime();
		lockSpan.setAttribute(LOCK_ACQUIRED, token != null);
		if (token == null) {
			lockSpan.end();
			coalesce(redis, envelope);
			return;
		}
		lockSpan.setAttribute(FENCING_TOKEN, token);
		Recalculator.Result result;
		boolean released;
		try (Scope scope = lockSpan.makeCurrent()) {
			redis.hset(job, Map.of(JobFields.STATE, JobState.RUNNING.name(), JobFields.LOCKED_AT,
					String.valueOf(RedisClock.millis(redis)), JobFields.FENCING_TOKEN, String.valueOf(token)));
			result = this.recalculator.apply(envelope, token,
					(processed) -> redis.hset(job, JobFields.PROCESSED, String.valueOf(processed)));
			drainCoalesced(redis, token);
			redis.hset(job, JobFields.UNLOCKED_AT, String.valueOf(RedisClock.millis(redis)));
		}
		finally {
			released = release(lock, lockedAt);
			lockSpan.end();
		}
		redis.hset(job,
				Map.of(JobFields.STATE, JobState.SUCCEEDED.name(), JobFields.PROCESSED,
						String.valueOf(result.processed()), JobFields.TOTAL, String.valueOf(result.total()),
						JobFields.FINISHED_AT, String.valueOf(RedisClock.millis(redis)), JobFields.LOCK_EXPIRED,
						String.valueOf(!released)));
		this.metrics.finished(JobState.SUCCEEDED);
	}

	/**
	 * Hands the event to the lock's holder, who applies it before releasing the lock. If
	 * the holder released it meanwhile (after its last look),
	 * {@link #drainCoalescedIfIdle} after this job takes the lock and drains.
	 */
	private void coalesce(RedisCommands<String, String> redis, EventEnvelope envelope) {
		redis.hset(this.keys.coalescedEvents(), envelope.eventId(), EnvelopeCodec.encode(envelope));
		redis.hset(this.keys.job(envelope.eventId()), Map.of(JobFields.STATE, JobState.COALESCED.name(),
				JobFields.FINISHED_AT, String.valueOf(RedisClock.millis(redis))));
		this.metrics.finished(JobState.COALESCED);
	}

	/**
	 * Applies coalesced events while there are some and nobody else holds the lock, a
	 * pass per hold. Consumers call it after each job's outcome is recorded and
	 * acknowledged (so a holder looks again after releasing, and a job never waits on
	 * events that arrived after it) and when idle, so that no handed-over event waits for
	 * the next job.
	 */
	void drainCoalescedIfIdle() {
		RedisCommands<String, String> redis = this.redisConnection.connection().sync();
		RFencedLock lock = this.redisson.getFencedLock(this.lockName);
		while (redis.hlen(this.keys.coalescedEvents()) > 0) {
			Long token = tryLock(lock);
			if (token == null) {
				return; // the holder drains before releasing, and looks again after
			}
			long lockedAt = System.nanoTime();
			try {
				drainCoalesced(redis, token);
			}
			finally {
				release(lock, lockedAt);
			}
		}
	}

	/**
	 * Under the lock: applies every event coalesced so far, recalculates the union of
	 * their scopes in one pass, and only then forgets them (a holder that dies leaves
	 * them for the next). Events coalesced during the pass are left for
	 * {@link #drainCoalescedIfIdle}, so that a steady stream of events does not keep one
	 * job running (and unacknowledged) for ever.
	 */
	private void drainCoalesced(RedisCommands<String, String> redis, long token) {
		Map<String, String> coalesced = redis.hgetall(this.keys.coalescedEvents());
		if (!coalesced.isEmpty()) {
			SpanBuilder builder = MessageTracing.tracer()
				.spanBuilder("drain coalesced")
				.setAttribute(COALESCED, coalesced.size());
			Map<String, EventEnvelope> events = new LinkedHashMap<>();
			coalesced.values().forEach((json) -> events.put(json, EnvelopeCodec.decode(json)));
			events.values().forEach((event) -> builder.addLink(MessageTracing.senderSpanContext(event)));
			Span span = builder.startSpan();
			try (Scope current = span.makeCurrent()) {
				applyCoalesced(events, token);
			}
			finally {
				span.end();
			}
			redis.hdel(this.keys.coalescedEvents(), coalesced.keySet().toArray(String[]::new));
			logger.info("Applied {} coalesced event(s) in one pass (token {})", coalesced.size(), token);
		}
	}

	private void applyCoalesced(Map<String, EventEnvelope> events, long token) {
		Recalculator.Scope scope = null;
		for (Map.Entry<String, EventEnvelope> event : events.entrySet()) {
			try {
				this.recalculator.applyEvent(event.getValue());
			}
			catch (UnknownProductException ex) {
				deadLetter(event.getValue().eventId(), event.getKey(), "failed", ex.getMessage(), 1);
				continue;
			}
			Recalculator.Scope eventScope = Recalculator.Scope.of(event.getValue().event());
			scope = (scope != null) ? scope.union(eventScope) : eventScope;
		}
		if (scope != null) {
			this.recalculator.recalculate(scope, token, (processed) -> {
			});
		}
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

	private void deadLetter(String eventId, String envelope, String reason, String error, int attempts) {
		RedisCommands<String, String> redis = this.redisConnection.connection().sync();
		logger.error("Dead-lettering job {} after {} attempt(s): {}", eventId, attempts, error);
		Span span = MessageTracing.startSend(this.keys.deadLetters(), eventId)
			.setAttribute(ATTEMPTS, attempts)
			.setAttribute(ERROR, error);
		try (Scope scope = span.makeCurrent()) {
			String entry = redis.xadd(this.keys.deadLetters(), Map.of("event_id", eventId, "envelope",
					String.valueOf(envelope), "error", error, "attempts", String.valueOf(attempts)));
			redis.hset(this.keys.job(eventId),
					Map.of(JobFields.STATE, JobState.DEAD_LETTERED.name(), JobFields.ERROR, error, JobFields.ATTEMPTS,
							String.valueOf(attempts), JobFields.FINISHED_AT, String.valueOf(RedisClock.millis(redis)),
							JobFields.DEAD_LETTER, entry));
		}
		finally {
			span.end();
		}
		this.metrics.deadLettered(reason);
		this.metrics.finished(JobState.DEAD_LETTERED);
	}

}
