package dev.pricingengine.common.heartbeat;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.SmartLifecycle;

/**
 * Announces this instance in Redis every {@code pricing.heartbeat.interval}: the time
 * Redis last heard from it and its status (service, id, start, heartbeat interval, and
 * what its {@link HeartbeatDetails} add), so that the console shows which instances are
 * alive as measured, not assumed. A stopping instance removes itself; a killed one stays
 * listed as last seen until {@code pricing.heartbeat.retention}. A failed heartbeat
 * (Redis away) is tried again at the next interval.
 */
public final class InstanceHeartbeat implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(InstanceHeartbeat.class);

	private static final LuaScript HEARTBEAT = LuaScript.fromClasspath("scripts/heartbeat.lua");

	private static final JsonMapper json = JsonMapper.builder().build();

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final String service;

	private final String instance;

	private final List<HeartbeatDetails> details;

	private final HeartbeatProperties properties;

	private final Instant startedAt = Instant.now();

	private volatile ScheduledExecutorService scheduler;

	private volatile boolean failing;

	public InstanceHeartbeat(SharedRedisConnection redisConnection, RedisKeys keys, String service,
			List<HeartbeatDetails> details, HeartbeatProperties properties) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.service = service;
		this.instance = hostname() + "-" + ManagementFactory.getRuntimeMXBean().getPid();
		this.details = details;
		this.properties = properties;
	}

	/** This instance's id among its service's: {@code host-pid}. */
	public String instance() {
		return this.instance;
	}

	@Override
	public void start() {
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "heartbeat");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.properties.interval().toMillis();
		scheduler.scheduleWithFixedDelay(this::beat, 0, interval, TimeUnit.MILLISECONDS);
		this.scheduler = scheduler;
	}

	@Override
	public void stop() {
		ScheduledExecutorService scheduler = this.scheduler;
		this.scheduler = null;
		if (scheduler == null) {
			return;
		}
		scheduler.shutdownNow();
		try {
			scheduler.awaitTermination(5, TimeUnit.SECONDS);
			send("");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not remove this instance's heartbeat: {}", ex.getMessage());
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	/** Starts after the shared connection, stops before it. */
	@Override
	public int getPhase() {
		return this.redisConnection.getPhase() + 1;
	}

	private void beat() {
		try {
			Map<String, Object> status = new LinkedHashMap<>();
			status.put("service", this.service);
			status.put("instance", this.instance);
			status.put("started_at", this.startedAt.toString());
			status.put("interval_ms", this.properties.interval().toMillis());
			for (HeartbeatDetails component : this.details) {
				component.describe(status);
			}
			send(json.writeValueAsString(status));
			if (this.failing) {
				logger.info("Heartbeats reach Redis again");
				this.failing = false;
			}
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				logger.warn("Heartbeat failed (tried again every {} ms): {}", this.properties.interval().toMillis(),
						ex.getMessage());
				this.failing = true;
			}
		}
	}

	private void send(String status) {
		HEARTBEAT.call(this.redisConnection.connection().sync(), ScriptOutputType.INTEGER,
				new String[] { this.keys.instances(), this.keys.instanceStatus() }, this.service + ":" + this.instance,
				status, String.valueOf(this.properties.retention().toMillis()));
	}

	private static String hostname() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "localhost";
		}
	}

}
