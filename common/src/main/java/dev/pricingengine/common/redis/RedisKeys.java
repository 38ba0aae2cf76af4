package dev.pricingengine.common.redis;

import org.springframework.util.Assert;

/**
 * The Redis key schema, all under one configurable prefix so that several deployments (or
 * test runs) can share a server without touching each other's keys. Keys that one script
 * or command touches together share a hash tag, so that on Redis Cluster they live in one
 * slot: the intake ({@code {intake}}: the event sequence, unbridged events, the job
 * stream, job statuses, dead letters, coalesced events) and the pricing data
 * ({@code {p0}}: products, their categories' pricing inputs, the market state, prices,
 * the recalculation lock and its price fence). Keys used only alone carry no tag.
 */
public final class RedisKeys {

	/** Hash tag of the intake keys, after the prefix. */
	static final String INTAKE_TAG = "{intake}:";

	/** Hash tag of the pricing data keys, after the prefix: one partition, the first. */
	static final String DATA_TAG = "{p0}:";

	private final String prefix;

	private final String intake;

	private final String data;

	private final String eventsChannel;

	public RedisKeys(String prefix, String eventsChannel) {
		Assert.hasText(prefix, "prefix must not be empty");
		Assert.isTrue(prefix.indexOf('{') < 0 && prefix.indexOf('}') < 0,
				"prefix must not contain braces: the keys carry their own hash tags");
		Assert.hasText(eventsChannel, "eventsChannel must not be empty");
		Assert.isTrue(eventsChannel.indexOf('{') < 0 && eventsChannel.indexOf('}') < 0,
				"eventsChannel must not contain braces: on Redis Cluster it is tagged like the intake keys");
		this.prefix = prefix;
		this.intake = prefix + INTAKE_TAG;
		this.data = prefix + DATA_TAG;
		this.eventsChannel = eventsChannel;
	}

	public String prefix() {
		return this.prefix;
	}

	/** Pub/Sub channel of market events. */
	public String eventsChannel() {
		return this.eventsChannel;
	}

	/**
	 * Shard channel ({@code SPUBLISH} / {@code SSUBSCRIBE}) of market events on Redis
	 * Cluster: the events channel tagged like the intake keys, so that the script that
	 * publishes an event and keeps it unbridged runs in one slot, and the receivers
	 * {@code SPUBLISH} counts are all of them (a plain {@code PUBLISH} counts only the
	 * subscribers of the node it runs on).
	 */
	public String shardedEventsChannel() {
		return this.eventsChannel + ":" + INTAKE_TAG.substring(0, INTAKE_TAG.length() - 1);
	}

	/** Counter that numbers published events. */
	public String eventSequence() {
		return this.intake + "event-sequence";
	}

	/** Marker that an event was bridged onto the job stream (dedupe across listeners). */
	public String eventBridged(String eventId) {
		return this.intake + "event-bridged:" + eventId;
	}

	/**
	 * Sorted set of published events not yet bridged onto the job stream (event id → when
	 * published, Redis clock); listeners bridge the ones that stay too long.
	 */
	public String unbridgedEvents() {
		return this.intake + "unbridged-events";
	}

	/** Hash of the envelopes of {@link #unbridgedEvents()} (event id → envelope). */
	public String unbridgedEnvelopes() {
		return this.intake + "unbridged-envelopes";
	}

	/** Stream of recalculation jobs, one entry per accepted event. */
	public String jobStream() {
		return this.intake + "jobs";
	}

	/** Stream of jobs that could not succeed, with their reason. */
	public String deadLetters() {
		return this.intake + "dead-letters";
	}

	/** Hash of events handed to the recalculation lock's holder (event id → envelope). */
	public String coalescedEvents() {
		return this.intake + "coalesced-events";
	}

	/** Hash of the fault-injection settings every worker reads. */
	public String faults() {
		return this.prefix + "faults";
	}

	/** Hash holding one job's status. */
	public String job(String eventId) {
		return this.intake + "job:" + eventId;
	}

	/** Hash holding one catalog product. */
	public String product(String productId) {
		return this.data + "product:" + productId;
	}

	/**
	 * Hash of the products of one category: product id → its pricing inputs (see
	 * {@link dev.pricingengine.common.catalog.ProductCodec#toInputs}), so that a
	 * recalculation reads a category's members and their inputs in one scan.
	 */
	public String category(String category) {
		return this.data + "category:" + category;
	}

	/**
	 * Hash of category → revision of its pricing inputs, bumped by every script that
	 * changes a category's entries (catalog import, base price), so that a recalculation
	 * can tell cheaply whether the inputs it listed may have been replaced since.
	 */
	public String catalogRevisions() {
		return this.data + "catalog-revisions";
	}

	/** Set of all category names. */
	public String categories() {
		return this.data + "categories";
	}

	/** Hash of demand factors and the sequence numbers that set them. */
	public String market() {
		return this.data + "market";
	}

	/** String holding the encoded market price of one product. */
	public String price(String productId) {
		return this.data + "price:" + productId;
	}

	/**
	 * The recalculation lock (Redisson's fenced lock; its own keys take this name's hash
	 * tag), with the pricing data.
	 * @param lockName the lock's name, without the prefix
	 * @return the key
	 */
	public String recalculationLock(String lockName) {
		return this.data + lockName;
	}

	/**
	 * String holding the newest fencing token of a lock whose holder wrote prices.
	 * @param lockName the lock's name, without the prefix
	 * @return the key
	 */
	public String priceFence(String lockName) {
		return recalculationLock(lockName) + ":price-fence";
	}

	/**
	 * Counter of price writes the fence refused (their writer's lock had passed to a
	 * newer holder), across all workers.
	 * @param lockName the recalculation lock's name, without the prefix
	 * @return the key
	 */
	public String priceFenceRejections(String lockName) {
		return priceFence(lockName) + ":rejected";
	}

	/**
	 * Hash counting the events one API key published in the current rate-limit window:
	 * {@code window} (the Redis epoch second it counts) and {@code count}.
	 * @param keyId the key's id (never the key)
	 * @return the key
	 */
	public String publishRate(String keyId) {
		return this.prefix + "publish-rate:" + keyId;
	}

	/** List staging one catalog import before it is applied. */
	public String catalogImport(String importId) {
		return this.data + "catalog-import:" + importId;
	}

	/** Marker taken by the API replica that seeds the demo catalog. */
	public String demoSeed() {
		return this.prefix + "demo-seed";
	}

}
