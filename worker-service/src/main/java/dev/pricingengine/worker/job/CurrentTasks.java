package dev.pricingengine.worker.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import dev.pricingengine.common.heartbeat.HeartbeatDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.redisson.api.RedissonClient;

import org.springframework.stereotype.Component;

/**
 * The task each of this worker's consumers is running, for its heartbeat: the job, the
 * partition, the attempt and, once taken, the fencing token of the partition's lock; with
 * the name of the partitions' locks, the Redisson client id that names this worker in a
 * lock's holder, and its recalculated prices so far.
 */
@Component
class CurrentTasks implements HeartbeatDetails {

	private final ConcurrentMap<String, Task> byConsumer = new ConcurrentHashMap<>();

	private final RedissonClient redisson;

	private final MeterRegistry meters;

	private final String lockName;

	CurrentTasks(RedissonClient redisson, MeterRegistry meters, WorkerProperties properties) {
		this.redisson = redisson;
		this.meters = meters;
		this.lockName = properties.lockName();
	}

	void started(String consumer, String jobId, int partition, int attempt) {
		this.byConsumer.put(consumer, new Task(jobId, partition, attempt, Instant.now(), null, null));
	}

	void locked(String consumer, long fencingToken) {
		this.byConsumer.computeIfPresent(consumer, (name, task) -> task.locked(fencingToken));
	}

	void finished(String consumer) {
		this.byConsumer.remove(consumer);
	}

	@Override
	public void describe(Map<String, Object> status) {
		status.put("lock_name", this.lockName);
		status.put("lock_client", this.redisson.getId());
		status.put("prices_recalculated",
				(long) Search.in(this.meters)
					.name("pricing.worker.recalculated.prices")
					.counters()
					.stream()
					.mapToDouble((counter) -> counter.count())
					.sum());
		List<Map<String, Object>> tasks = new ArrayList<>();
		this.byConsumer.forEach((consumer, task) -> {
			Map<String, Object> fields = new LinkedHashMap<>();
			fields.put("consumer", consumer);
			fields.put("job_id", task.jobId());
			fields.put("partition", task.partition());
			fields.put("attempt", task.attempt());
			fields.put("started_at", task.startedAt().toString());
			if (task.fencingToken() != null) {
				fields.put("fencing_token", task.fencingToken());
				fields.put("locked_at", task.lockedAt().toString());
			}
			tasks.add(fields);
		});
		status.put("tasks", tasks);
	}

	private record Task(String jobId, int partition, int attempt, Instant startedAt, Long fencingToken,
			Instant lockedAt) {

		Task locked(long token) {
			return new Task(this.jobId, this.partition, this.attempt, this.startedAt, token, Instant.now());
		}

	}

}
