package dev.pricingengine.system;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.pricingengine.system.ChaosIntegrationTests.EventKind;
import dev.pricingengine.system.ChaosIntegrationTests.Fault;
import dev.pricingengine.system.ChaosIntegrationTests.Outcome;
import dev.pricingengine.system.ChaosIntegrationTests.Sent;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the chaos suite saw, and whether the promises held: every figure is computed from
 * the events it sent and the state it finds in Redis afterwards.
 */
final class ChaosReport {

	private final int rounds;

	private final int products;

	long sent;

	long accepted;

	long refused;

	long unknown;

	long succeeded;

	long coalesced;

	long deadLetteredAndReplayed;

	final List<String> lost = new ArrayList<>();

	long lockHolds;

	final List<String> overlappingHolds = new ArrayList<>();

	private int lapsedHolds;

	final List<String> tokensOutOfOrder = new ArrayList<>();

	long fenceRejections;

	long redelivered;

	final Map<Fault, Long> recoveryMillis = new HashMap<>();

	final List<String> marketStateWrong = new ArrayList<>();

	long pricesChecked;

	final List<String> pricesWrong = new ArrayList<>();

	/**
	 * An empty report.
	 * @param rounds rounds of faults
	 * @param products at least how many prices must be checked
	 */
	ChaosReport(int rounds, int products) {
		this.rounds = rounds;
		this.products = products;
	}

	/**
	 * Lock holds of finished jobs, by the Redis clock: none overlaps the next unless its
	 * lease lapsed first (then the next holder may take the lock, and fencing guards the
	 * prices), tokens grow.
	 */
	void lockHolds(Iterable<Map<String, String>> jobs) {
		// locked_at, unlocked_at, token, 1 when the lease lapsed before the release
		List<long[]> holds = new ArrayList<>();
		for (Map<String, String> job : jobs) {
			if (job.containsKey("locked_at") && job.containsKey("unlocked_at")
					&& "SUCCEEDED".equals(job.get("state"))) {
				boolean lapsed = "true".equals(job.get("lock_expired"));
				holds.add(new long[] { Long.parseLong(job.get("locked_at")), Long.parseLong(job.get("unlocked_at")),
						Long.parseLong(job.get("fencing_token")), lapsed ? 1 : 0 });
				this.lapsedHolds += lapsed ? 1 : 0;
			}
		}
		holds.sort(Comparator.comparingLong((long[] hold) -> hold[0]));
		this.lockHolds = holds.size();
		for (int i = 1; i < holds.size(); i++) {
			long[] previous = holds.get(i - 1);
			long[] hold = holds.get(i);
			if (hold[0] < previous[1] && previous[3] == 0) {
				this.overlappingHolds.add("token " + hold[2] + " locked at " + hold[0] + " before token " + previous[2]
						+ " unlocked at " + previous[1]);
			}
			if (hold[2] <= previous[2]) {
				this.tokensOutOfOrder.add("token " + hold[2] + " after token " + previous[2]);
			}
		}
	}

	/**
	 * Per fault: from its start until a job of an event accepted after it had its outcome
	 * — applied, or handed to the lock's holder (Redis clock, same host).
	 */
	void recovery(List<Fault> faults, List<Sent> accepted, Map<String, Map<String, String>> jobs) {
		for (Fault fault : faults) {
			accepted.stream()
				.filter((s) -> s.sentAt() >= fault.began)
				.map((s) -> Long.parseLong(jobs.get(s.eventId()).get("finished_at")))
				.min(Long::compare)
				.ifPresent((finished) -> this.recoveryMillis.put(fault, finished - fault.began));
		}
	}

	/**
	 * Each field an event sets holds the newest accepted event's value (by sequence), or
	 * one from an event whose answer was lost (it may have been applied, later).
	 */
	void marketState(List<Sent> sent, RedisCommands<String, String> redis) {
		Map<String, List<Sent>> byField = new HashMap<>();
		for (Sent event : sent) {
			if (event.event().key() != null && event.outcome() != Outcome.REFUSED) {
				byField.computeIfAbsent(event.event().key() + " " + event.event().field(), (k) -> new ArrayList<>())
					.add(event);
			}
		}
		byField.forEach((keyAndField, events) -> {
			EventKind kind = events.get(0).event();
			String value = redis.hget(kind.key(), kind.field());
			long sequence = Long
				.parseLong(Optional.ofNullable(redis.hget(kind.key(), kind.field() + ":seq")).orElse("0"));
			Optional<Sent> newestAccepted = events.stream()
				.filter((s) -> s.outcome() == Outcome.ACCEPTED)
				.max(Comparator.comparingLong(Sent::sequence));
			boolean fromUnknown = events.stream()
				.anyMatch((s) -> s.outcome() == Outcome.UNKNOWN && s.event().value().equals(value));
			boolean holds = newestAccepted.map((newest) -> (sequence == newest.sequence())
					? newest.event().value().equals(value) : (sequence > newest.sequence() && fromUnknown))
				.orElse(value == null || fromUnknown);
			if (!holds) {
				this.marketStateWrong.add(keyAndField + " = " + value + " (sequence " + sequence + "), newest accepted "
						+ newestAccepted.map((s) -> s.event().value() + " (sequence " + s.sequence() + ")")
							.orElse("none"));
			}
		});
	}

	/**
	 * Every product's price equals the pricing rule over its catalog entry and the market
	 * state (read pipelined, a category at a time).
	 */
	void prices(StatefulRedisConnection<String, String> connection) {
		RedisCommands<String, String> redis = connection.sync();
		RedisAsyncCommands<String, String> async = connection.async();
		Map<String, String> market = redis.hgetall("pricing:market");
		for (String category : redis.smembers("pricing:categories")) {
			List<String> ids = new ArrayList<>(redis.hkeys("pricing:category:" + category));
			List<RedisFuture<List<KeyValue<String, String>>>> products = new ArrayList<>();
			List<RedisFuture<String>> prices = new ArrayList<>();
			for (String id : ids) {
				products.add(async.hmget("pricing:product:" + id, "base_price", "floor_price", "ceiling_price"));
				prices.add(async.get("pricing:price:" + id));
			}
			for (int i = 0; i < ids.size(); i++) {
				String id = ids.get(i);
				List<KeyValue<String, String>> product = await(products.get(i));
				BigDecimal expected = new BigDecimal(product.get(0).getValue()).multiply(factor(market.get("global")))
					.multiply(factor(market.get("category:" + category)))
					.multiply(factor(market.get("product:" + id)))
					.max(new BigDecimal(product.get(1).getValue()))
					.min(new BigDecimal(product.get(2).getValue()))
					.setScale(2, RoundingMode.HALF_EVEN);
				String stored = await(prices.get(i));
				this.pricesChecked++;
				if (stored == null
						|| new BigDecimal(stored.substring(0, stored.indexOf('|'))).compareTo(expected) != 0) {
					this.pricesWrong.add(id + ": " + stored + ", expected " + expected);
				}
			}
		}
	}

	private static <T> T await(RedisFuture<T> future) {
		try {
			return future.get(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static BigDecimal factor(String value) {
		return (value != null) ? new BigDecimal(value) : BigDecimal.ONE;
	}

	String table(List<Fault> faults) {
		StringBuilder out = new StringBuilder("## Chaos suite: ").append(this.rounds).append(" round(s)\n\n");
		out.append("| Fault | Lasted (s) | First event accepted after it through the pipeline (s) |\n|---|---|---|\n");
		for (Fault fault : faults) {
			out.append("| ")
				.append(fault.description)
				.append(" | ")
				.append(seconds(fault.ended - fault.began))
				.append(" | ")
				.append(Optional.ofNullable(this.recoveryMillis.get(fault)).map(ChaosReport::seconds).orElse("–"))
				.append(" |\n");
		}
		out.append("\n| Figure | Value | Must be |\n|---|---|---|\n");
		row(out, "events sent", this.sent, "");
		row(out, "accepted (202)", this.accepted, "");
		row(out, "refused (4xx, or 503: no listener)", this.refused, "");
		row(out, "answer lost (no answer, or 5xx while Redis was down)", this.unknown, "");
		row(out, "jobs succeeded", this.succeeded, "");
		row(out, "jobs coalesced into a holder's pass", this.coalesced, "");
		row(out, "jobs dead-lettered, then replayed and succeeded", this.deadLetteredAndReplayed, "");
		row(out, "accepted events lost", this.lost.size(), "0");
		row(out, "events bridged by a listener's redelivery sweep", this.redelivered, "");
		row(out, "lock holds checked", this.lockHolds, "");
		row(out, "lock holds whose lease lapsed before their release (a stall or Redis restart; fenced)",
				this.lapsedHolds, "");
		row(out, "overlapping lock holds (a hold that kept its lease)", this.overlappingHolds.size(), "0");
		row(out, "fencing tokens out of order", this.tokensOutOfOrder.size(), "0");
		row(out, "stale price writes rejected by the fence", this.fenceRejections, "≥ 1 per pause");
		row(out, "market-state fields not from the newest accepted event", this.marketStateWrong.size(), "0");
		row(out, "prices checked against the pricing rule", this.pricesChecked, "");
		row(out, "prices not equal to the rule", this.pricesWrong.size(), "0");
		return out.toString();
	}

	private static void row(StringBuilder out, String figure, long value, String mustBe) {
		out.append("| ").append(figure).append(" | ").append(value).append(" | ").append(mustBe).append(" |\n");
	}

	private static String seconds(long millis) {
		return BigDecimal.valueOf(millis, 3).setScale(1, RoundingMode.HALF_UP).toPlainString();
	}

	void assertPromisesKept() {
		assertThat(this.accepted).as("events accepted").isPositive();
		assertThat(this.lost).as("accepted events without an outcome").isEmpty();
		assertThat(this.overlappingHolds).as("overlapping lock holds").isEmpty();
		assertThat(this.tokensOutOfOrder).as("fencing tokens out of order").isEmpty();
		assertThat(this.fenceRejections).as("stale writes rejected after the pause")
			.isGreaterThanOrEqualTo(this.rounds);
		assertThat(this.marketStateWrong).as("market state not from the newest accepted events").isEmpty();
		assertThat(this.pricesWrong).as("prices not following the pricing rule").isEmpty();
		assertThat(this.pricesChecked).as("prices checked").isGreaterThanOrEqualTo(this.products);
	}

}
