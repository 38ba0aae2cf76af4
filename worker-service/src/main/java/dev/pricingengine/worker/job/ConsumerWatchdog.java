package dev.pricingengine.worker.job;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Ends the worker when one of its job consumers makes no progress for
 * {@code pricing.worker.stall-timeout}. A consumer blocked for ever (a call with no
 * deadline that never returns) would otherwise hold its job and its partition's lock for
 * ever: the {@link ClaimKeeper} and the lock's watchdog renew both from other threads of
 * a live worker, so nobody else would ever take them. A stalled worker is treated as a
 * killed one: it logs where each stalled consumer is and halts with exit status
 * {@value #EXIT_STATUS}; its lock lease and job claims run out, another worker takes its
 * job over, and its supervisor (run-local.sh's {@code RESTART=on-failure}, the
 * container's restart policy, Kubernetes) starts it again. Progress is a turn of the
 * consumer's loop (a read of the job stream), an attempt begun, the lock taken and a
 * batch of a pass written.
 */
@Component
class ConsumerWatchdog implements DisposableBean {

	/** The exit status of a worker halted with a stalled consumer (EX_SOFTWARE). */
	static final int EXIT_STATUS = 70;

	private static final Logger logger = LoggerFactory.getLogger(ConsumerWatchdog.class);

	private final Duration stallTimeout;

	/** The consumer threads watched → when each last made progress (nanoTime). */
	private final Map<Thread, Long> progress = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler;

	ConsumerWatchdog(WorkerProperties properties) {
		this.stallTimeout = properties.stallTimeout();
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "job-consumer-watchdog");
			thread.setDaemon(true);
			return thread;
		});
		long period = Math.max(100, this.stallTimeout.toMillis() / 4);
		this.scheduler.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
	}

	/** Watches the calling thread, a consumer's, until {@link #unwatch()}. */
	void watch() {
		this.progress.put(Thread.currentThread(), System.nanoTime());
	}

	/** The calling consumer made progress (no-op on a thread not watched). */
	void progressed() {
		this.progress.computeIfPresent(Thread.currentThread(), (thread, last) -> System.nanoTime());
	}

	/** Stops watching the calling thread: its consumer ends. */
	void unwatch() {
		this.progress.remove(Thread.currentThread());
	}

	private void check() {
		long now = System.nanoTime();
		Map<Thread, Long> stalled = this.progress.entrySet()
			.stream()
			.filter((entry) -> now - entry.getValue() > this.stallTimeout.toNanos())
			.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
		if (stalled.isEmpty()) {
			return;
		}
		stalled.forEach((thread, last) -> logger.error(
				"Job consumer thread {} made no progress for {} s (pricing.worker.stall-timeout {}); "
						+ "the worker halts (exit status {}) so that its lock lease and job claims run out and "
						+ "another worker takes over. Where it is stuck:\n\tat {}",
				thread.getName(), Duration.ofNanos(now - last).toSeconds(), this.stallTimeout, EXIT_STATUS,
				Arrays.stream(thread.getStackTrace())
					.map(StackTraceElement::toString)
					.collect(Collectors.joining("\n\tat "))));
		Runtime.getRuntime().halt(EXIT_STATUS);
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

}
