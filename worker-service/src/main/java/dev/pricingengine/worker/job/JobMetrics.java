package dev.pricingengine.worker.job;

import java.time.Duration;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import dev.pricingengine.common.job.JobState;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.redis.StreamGroupInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The worker's Prometheus metrics (at {@code /actuator/prometheus}): jobs by outcome,
 * queue wait, retries, dead letters, lock acquisition and hold time, and the consumer
 * group's lag and pending entries on the job stream (read from Redis when scraped).
 */
@Component
class JobMetrics {

	private final MeterRegistry meters;

	private final Counter retries;

	private final Timer lockHeld;

	private final Timer queueWait;

	JobMetrics(MeterRegistry meters, SharedRedisConnection redisConnection, RedisKeys keys,
			WorkerProperties properties) {
		this.meters = meters;
		this.retries = Counter.builder("pricing.worker.job.retries")
			.description("Attempts of job tasks (one per partition of a job) after their first")
			.register(meters);
		this.lockHeld = Timer.builder("pricing.worker.lock.held")
			.description("How long a partition's recalculation lock was held by this worker")
			.register(meters);
		this.queueWait = Timer.builder("pricing.worker.job.queue.wait")
			.description("Time from a job task's entry on the stream to a worker starting it (Redis clock)")
			.register(meters);
		groupGauge("pricing.worker.stream.lag", "Job stream entries not yet delivered to the consumer group", "lag",
				redisConnection, keys, properties);
		groupGauge("pricing.worker.stream.pending", "Job stream entries delivered but not yet acknowledged", "pending",
				redisConnection, keys, properties);
	}

	void finished(JobState outcome) {
		Counter.builder("pricing.worker.jobs")
			.description("Job tasks (one per partition of a job) finished, by outcome")
			.tag("outcome", outcome.name().toLowerCase())
			.register(this.meters)
			.increment();
	}

	void retried() {
		this.retries.increment();
	}

	void deadLettered(String reason) {
		Counter.builder("pricing.worker.dead.letters")
			.description("Job tasks put on the dead-letter stream, by reason")
			.tag("reason", reason)
			.register(this.meters)
			.increment();
	}

	void lockAttempt(Duration took, boolean acquired) {
		Timer.builder("pricing.worker.lock.acquire")
			.description("Attempts to take a partition's recalculation lock (without waiting), by result")
			.tag("acquired", String.valueOf(acquired))
			.register(this.meters)
			.record(took);
	}

	void queueWait(Duration waited) {
		this.queueWait.record(waited);
	}

	void lockHeld(Duration held) {
		this.lockHeld.record(held);
	}

	private void groupGauge(String name, String description, String field, SharedRedisConnection redisConnection,
			RedisKeys keys, WorkerProperties properties) {
		ToDoubleFunction<SharedRedisConnection> value = (connection) -> connection.connection()
			.sync()
			.xinfoGroups(keys.jobStream())
			.stream()
			.map(StreamGroupInfo::fields)
			.filter((group) -> properties.group().equals(group.get("name")))
			.map((group) -> group.get(field))
			.filter(Number.class::isInstance)
			.mapToDouble((number) -> ((Number) number).doubleValue())
			.findFirst()
			.orElse(Double.NaN);
		Gauge.builder(name, redisConnection, value).description(description).register(this.meters);
	}

}
