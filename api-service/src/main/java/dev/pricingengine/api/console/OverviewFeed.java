package dev.pricingengine.api.console;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.pricingengine.common.heartbeat.HeartbeatProperties;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import dev.pricingengine.common.redis.StreamGroupInfo;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The console's live overview: one snapshot of Redis per {@code pricing.console.refresh},
 * taken while at least one console watches and shared by all of them (so that a hundred
 * open consoles cost Redis what one does), each with the rates since the one before.
 * Everything comes from Redis: the event sequence, the job stream and its groups, the job
 * statuses, the dead-letter stream, the partitions' locks and fences, and the instances'
 * heartbeats.
 */
@Component
class OverviewFeed implements SmartLifecycle {

	/** Job stream entries whose jobs are counted by state. */
	static final int SAMPLED_ENTRIES = 200;

	private static final Logger logger = LoggerFactory.getLogger(OverviewFeed.class);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final String EVENTS_ACCEPTED = "events_accepted";

	private static final String EVENTS_REFUSED = "events_refused";

	private static final String PRICES_RECALCULATED = "prices_recalculated";

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final Duration heartbeatInterval;

	private final Flux<Overview> feed;

	/**
	 * Ends every watcher's stream when the API stops; a new one for each start (a test's
	 * cached context is stopped and started again).
	 */
	private volatile Sinks.Empty<Void> stopped = Sinks.empty();

	private volatile boolean running;

	OverviewFeed(SharedRedisConnection redisConnection, RedisKeys keys, ConsoleProperties properties,
			HeartbeatProperties heartbeats) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.heartbeatInterval = heartbeats.interval();
		this.feed = Flux.interval(Duration.ZERO, properties.refresh())
			.onBackpressureDrop()
			// a snapshot that fails, even before it reaches Redis (the connection being
			// replaced), is left out: the feed goes on
			.concatMap((tick) -> Mono.defer(this::sample).onErrorResume((ex) -> Mono.empty()), 1)
			.scan((before, now) -> now.after(before))
			.map(Sample::overview)
			.replay(1)
			.refCount(1, Duration.ofSeconds(5));
	}

	/**
	 * The overview as it changes: the latest snapshot at once, then one per refresh
	 * interval, until the API stops. Snapshots that fail (Redis away) are left out.
	 */
	Flux<Overview> feed() {
		return this.feed.takeUntilOther(this.stopped.asMono());
	}

	@Override
	public void start() {
		this.stopped = Sinks.empty();
		this.running = true;
	}

	/**
	 * Ends the watchers' streams (their consoles reconnect, to another replica if there
	 * is one), before the web server's graceful shutdown, which would otherwise wait its
	 * whole timeout for these never-ending responses.
	 */
	@Override
	public void stop() {
		this.running = false;
		this.stopped.tryEmitEmpty();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private Mono<Sample> sample() {
		RedisClusterReactiveCommands<String, String> redis = this.redisConnection.connection().reactive();
		Mono<Long> clock = redis.time().collectList().map(OverviewFeed::millis);
		Mono<Long> sequence = redis.get(this.keys.eventSequence()).map(Long::parseLong).defaultIfEmpty(0L);
		Mono<List<ScoredValue<String>>> seen = redis.zrangeWithScores(this.keys.instances(), 0, -1).collectList();
		Mono<Map<String, String>> statuses = redis.hgetall(this.keys.instanceStatus())
			.collectMap((entry) -> entry.getKey(), (entry) -> entry.getValue());
		Mono<Overview.JobStream> stream = jobStream(redis);
		Mono<Long> deadLetters = redis.xlen(this.keys.deadLetters());
		Mono<Overview.JobCounts> jobs = jobCounts(redis);
		return Mono.zip(clock, sequence, seen, statuses, stream, deadLetters, jobs).flatMap((read) -> {
			long now = read.getT1();
			List<Heartbeat> heartbeats = heartbeats(read.getT3(), read.getT4(), now);
			return locks(redis, heartbeats).map((locks) -> new Sample(now, read.getT2(), heartbeats,
					new Overview(Instant.ofEpochMilli(now), new Overview.EventRates(read.getT2(), null, null),
							read.getT7(), read.getT5(), read.getT6(), null, locks,
							heartbeats.stream().map(Heartbeat::instance).toList())));
		});
	}

	private Mono<Overview.JobStream> jobStream(RedisClusterReactiveCommands<String, String> redis) {
		Mono<List<Overview.ConsumerGroup>> groups = redis.xinfoGroups(this.keys.jobStream())
			.map(StreamGroupInfo::fields)
			.map((group) -> new Overview.ConsumerGroup(String.valueOf(group.get("name")),
					number(group.get("consumers")), number(group.get("pending")),
					(group.get("lag") instanceof Number lag) ? lag.longValue() : null))
			.collectList()
			// no stream yet (no worker ever started)
			.onErrorReturn(List.of());
		return Mono.zip(redis.xlen(this.keys.jobStream()), groups)
			.map((read) -> new Overview.JobStream(read.getT1(), read.getT2()));
	}

	private Mono<Overview.JobCounts> jobCounts(RedisClusterReactiveCommands<String, String> redis) {
		return redis.xrevrange(this.keys.jobStream(), Range.unbounded(), Limit.from(SAMPLED_ENTRIES))
			.map((entry) -> entry.getBody().getOrDefault("event_id", ""))
			.filter((id) -> !id.isEmpty())
			.collect(LinkedHashSet<String>::new, Set::add)
			.flatMapMany(Flux::fromIterable)
			.flatMap((id) -> redis.hget(this.keys.job(id), JobFields.STATE), 16)
			.collect(TreeMap<String, Integer>::new, (counts, state) -> counts.merge(state, 1, Integer::sum))
			.map((counts) -> new Overview.JobCounts(counts.values().stream().mapToInt(Integer::intValue).sum(),
					counts));
	}

	/**
	 * Each partition's lock of every lock name the workers announce (one unless workers
	 * of different settings share the data set).
	 */
	private Mono<List<Overview.PartitionLock>> locks(RedisClusterReactiveCommands<String, String> redis,
			List<Heartbeat> heartbeats) {
		List<String> lockNames = heartbeats.stream()
			.map((heartbeat) -> heartbeat.status().path("lock_name").asString(""))
			.filter((name) -> !name.isEmpty())
			.distinct()
			.toList();
		List<Mono<Overview.PartitionLock>> locks = new ArrayList<>();
		for (String lockName : lockNames) {
			for (int index = 0; index < this.keys.partitions(); index++) {
				locks.add(lock(redis, this.keys.partition(index), lockName, heartbeats));
			}
		}
		return Flux.concat(locks).collectList();
	}

	private Mono<Overview.PartitionLock> lock(RedisClusterReactiveCommands<String, String> redis,
			RedisKeys.Partition partition, String lockName, List<Heartbeat> heartbeats) {
		String key = partition.recalculationLock(lockName);
		Mono<List<String>> holders = redis.hkeys(key).collectList();
		Mono<Long> lease = redis.pttl(key);
		Mono<Long> fence = redis.get(partition.priceFence(lockName)).map(Long::parseLong).defaultIfEmpty(-1L);
		return Mono.zip(holders, lease, fence).map((read) -> {
			Long priceFence = (read.getT3() >= 0) ? read.getT3() : null;
			if (read.getT1().isEmpty()) {
				return new Overview.PartitionLock(partition.index(), key, null, null, null, null, null, priceFence);
			}
			String client = read.getT1().get(0);
			for (Heartbeat heartbeat : heartbeats) {
				String lockClient = heartbeat.status().path("lock_client").asString("");
				if (!lockClient.isEmpty() && client.startsWith(lockClient + ":")) {
					Overview.WorkerTask task = heartbeat.instance()
						.tasks()
						.stream()
						.filter((running) -> running.partition() == partition.index() && running.fencingToken() != null)
						.findFirst()
						.orElse(null);
					return new Overview.PartitionLock(partition.index(), key, heartbeat.instance().instance(),
							(task != null) ? task.fencingToken() : null, (task != null) ? task.lockedAt() : null,
							(task != null) ? task.jobId() : null, read.getT2(), priceFence);
				}
			}
			return new Overview.PartitionLock(partition.index(), key, client, null, null, null, read.getT2(),
					priceFence);
		});
	}

	/**
	 * The instances' last heartbeats; a status that cannot be read (another release's,
	 * say) is left out rather than failing the snapshot.
	 */
	private List<Heartbeat> heartbeats(List<ScoredValue<String>> seen, Map<String, String> statuses, long now) {
		List<Heartbeat> heartbeats = new ArrayList<>();
		for (ScoredValue<String> instance : seen) {
			String status = statuses.get(instance.getValue());
			if (status == null) {
				continue;
			}
			try {
				heartbeats.add(heartbeat(instance.getValue(), (long) instance.getScore(), json.readTree(status), now));
			}
			catch (RuntimeException ex) {
				logger.debug("Heartbeat of {} left out: {}", instance.getValue(), ex.getMessage());
			}
		}
		return heartbeats;
	}

	private Heartbeat heartbeat(String id, long seenAt, JsonNode fields, long now) {
		long lastSeen = Math.max(0, now - seenAt);
		// alive while its last heartbeat is younger than three of its own intervals
		long interval = fields.path("interval_ms").asLong(this.heartbeatInterval.toMillis());
		List<Overview.WorkerTask> tasks = new ArrayList<>();
		fields.path("tasks")
			.forEach((task) -> tasks
				.add(new Overview.WorkerTask(task.path("consumer").asString(), task.path("job_id").asString(),
						task.path("partition").asInt(), task.path("attempt").asInt(), instant(task.path("started_at")),
						task.has("fencing_token") ? task.get("fencing_token").asLong() : null,
						instant(task.path("locked_at")))));
		return new Heartbeat(id, seenAt, fields,
				new Overview.ServiceInstance(fields.path("service").asString(), fields.path("instance").asString(),
						lastSeen < 3 * interval, lastSeen, instant(fields.path("started_at")), tasks),
				Map.of());
	}

	private static Instant instant(JsonNode text) {
		return text.isString() ? Instant.parse(text.asString()) : null;
	}

	private static long millis(List<String> time) {
		return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
	}

	private static long number(Object value) {
		return (value instanceof Number number) ? number.longValue() : 0;
	}

	/**
	 * An instance's last heartbeat, with the rates of its counters (per second, between
	 * its last two heartbeats the feed saw).
	 */
	private record Heartbeat(String id, long seenAt, JsonNode status, Overview.ServiceInstance instance,
			Map<String, Double> rates) {

		/** The counters whose rates the overview shows, summed over the instances. */
		static final List<String> RATED = List.of(EVENTS_ACCEPTED, EVENTS_REFUSED, PRICES_RECALCULATED);

		/**
		 * This heartbeat with its rates since the one before (of the same instance): the
		 * counters' growth over the time between the two heartbeats, so that a snapshot
		 * between two heartbeats, or seeing two at once, does not make a rate jump. The
		 * rates of a heartbeat the feed already saw are kept; an instance not alive adds
		 * nothing; a restarted one (a counter smaller) counts from zero.
		 */
		Heartbeat ratedAfter(Heartbeat before) {
			Map<String, Double> rates = new HashMap<>();
			for (String counter : RATED) {
				double rate = 0;
				if (this.instance.alive() && before != null) {
					if (this.seenAt > before.seenAt) {
						long now = counter(counter);
						long then = before.counter(counter);
						rate = ((now >= then) ? now - then : now) / ((this.seenAt - before.seenAt) / 1000.0);
					}
					else {
						rate = before.rates.getOrDefault(counter, 0.0);
					}
				}
				rates.put(counter, rate);
			}
			return new Heartbeat(this.id, this.seenAt, this.status, this.instance, rates);
		}

		long counter(String name) {
			return this.status.path(name).asLong(0);
		}

	}

	/** A snapshot with the heartbeats the next one's rates are computed from. */
	private record Sample(long at, long sequence, List<Heartbeat> heartbeats, Overview overview) {

		/** This snapshot with its rates since the one before. */
		Sample after(Sample before) {
			Map<String, Heartbeat> earlier = new HashMap<>();
			before.heartbeats.forEach((heartbeat) -> earlier.put(heartbeat.id(), heartbeat));
			List<Heartbeat> rated = this.heartbeats.stream()
				.map((heartbeat) -> heartbeat.ratedAfter(earlier.get(heartbeat.id())))
				.toList();
			Overview overview = new Overview(this.overview.at(),
					new Overview.EventRates(this.sequence, sum(rated, EVENTS_ACCEPTED), sum(rated, EVENTS_REFUSED)),
					this.overview.jobs(), this.overview.stream(), this.overview.deadLetters(),
					sum(rated, PRICES_RECALCULATED), this.overview.locks(), this.overview.instances());
			return new Sample(this.at, this.sequence, rated, overview);
		}

		private static double sum(List<Heartbeat> heartbeats, String counter) {
			return heartbeats.stream().mapToDouble((heartbeat) -> heartbeat.rates().getOrDefault(counter, 0.0)).sum();
		}

	}

}
