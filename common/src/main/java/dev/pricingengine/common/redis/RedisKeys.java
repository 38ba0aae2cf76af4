package dev.pricingengine.common.redis;

import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;
import java.util.zip.CRC32;

import org.springframework.util.Assert;

/**
 * The Redis key schema, all under one configurable prefix so that several deployments (or
 * test runs) can share a server without touching each other's keys. Keys that one script
 * or command touches together share a hash tag, so that on Redis Cluster they live in one
 * slot: the intake ({@code {intake}}: the event sequence, unbridged events, the job
 * stream, job statuses, dead letters, coalesced events) and each partition of the pricing
 * data ({@code {p0}}, {@code {p1}}, ...: its products, their categories' pricing inputs,
 * its copy of the market state, prices, its recalculation lock and price fence). A
 * product's partition is a stable hash of its id ({@link #partitionOf}). Keys used only
 * alone carry no tag.
 */
public final class RedisKeys {

	/** Hash tag of the intake keys, after the prefix. */
	static final String INTAKE_TAG = "{intake}:";

	private final String prefix;

	private final String intake;

	private final String eventsChannel;

	private final Partition[] partitions;

	/**
	 * The schema of a data set of one partition.
	 * @param prefix prefix of every key
	 * @param eventsChannel the Pub/Sub channel of market events
	 */
	public RedisKeys(String prefix, String eventsChannel) {
		this(prefix, eventsChannel, 1);
	}

	/**
	 * The schema of a data set of the given number of partitions.
	 * @param prefix prefix of every key
	 * @param eventsChannel the Pub/Sub channel of market events
	 * @param partitions the number of partitions the products are spread over
	 */
	public RedisKeys(String prefix, String eventsChannel, int partitions) {
		Assert.hasText(prefix, "prefix must not be empty");
		Assert.isTrue(prefix.indexOf('{') < 0 && prefix.indexOf('}') < 0,
				"prefix must not contain braces: the keys carry their own hash tags");
		Assert.hasText(eventsChannel, "eventsChannel must not be empty");
		Assert.isTrue(eventsChannel.indexOf('{') < 0 && eventsChannel.indexOf('}') < 0,
				"eventsChannel must not contain braces: on Redis Cluster it is tagged like the intake keys");
		this.prefix = prefix;
		this.intake = prefix + INTAKE_TAG;
		this.eventsChannel = eventsChannel;
		Assert.isTrue(partitions >= 1, "partitions must be at least 1");
		this.partitions = new Partition[partitions];
		for (int i = 0; i < partitions; i++) {
			this.partitions[i] = new Partition(i, prefix + "{p" + i + "}:");
		}
	}

	/** The number of partitions the products are spread over. */
	public int partitions() {
		return this.partitions.length;
	}

	/**
	 * The partition a product belongs to: the CRC-32 of its id's UTF-8 bytes modulo the
	 * number of partitions, the same in every service and release.
	 * @param productId the product id
	 * @return the partition's index
	 */
	public int partitionOf(String productId) {
		if (this.partitions.length == 1) {
			return 0;
		}
		CRC32 crc = new CRC32();
		crc.update(productId.getBytes(StandardCharsets.UTF_8));
		return (int) (crc.getValue() % this.partitions.length);
	}

	/**
	 * The keys of one partition.
	 * @param index the partition's index, from 0
	 * @return its keys
	 */
	public Partition partition(int index) {
		return this.partitions[index];
	}

	/**
	 * The partitions an event's scope covers, comma-separated (as job statuses and the
	 * scripts list them): a product's own for an event about one product (a base price, a
	 * product's demand factor), else every partition (a category's products are spread
	 * over all of them).
	 * @param productId the product the event is about, or {@code null}
	 * @return the partitions
	 */
	public String partitionsOf(String productId) {
		if (productId != null) {
			return String.valueOf(partitionOf(productId));
		}
		StringJoiner all = new StringJoiner(",");
		for (int i = 0; i < this.partitions.length; i++) {
			all.add(String.valueOf(i));
		}
		return all.toString();
	}

	/** The keys of the partition a product belongs to. */
	public Partition partitionFor(String productId) {
		return this.partitions[partitionOf(productId)];
	}

	/** String recording the number of partitions the data set was created with. */
	public String partitionCount() {
		return this.prefix + "partitions";
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

	/**
	 * Hash of events handed to the holder of one partition's recalculation lock (event id
	 * → envelope). Partition 0's keeps the name it had before partitions.
	 * @param partition the partition's index
	 * @return the key
	 */
	public String coalescedEvents(int partition) {
		return this.intake + "coalesced-events" + ((partition == 0) ? "" : ":" + partition);
	}

	/**
	 * Sorted set of the instances of every service that announce themselves (instance
	 * {@code service:host-pid} → when Redis last heard from it, Redis clock, ms).
	 */
	public String instances() {
		return this.intake + "instances";
	}

	/** Hash of the instances' statuses, as their last heartbeat wrote them (JSON). */
	public String instanceStatus() {
		return this.intake + "instance-status";
	}

	/** Hash of the fault-injection settings every worker reads. */
	public String faults() {
		return this.prefix + "faults";
	}

	/** Hash holding one job's status. */
	public String job(String eventId) {
		return this.intake + "job:" + eventId;
	}

	/** Hash holding one catalog product (in its partition). */
	public String product(String productId) {
		return partitionFor(productId).product(productId);
	}

	/** String holding the encoded market price of one product (in its partition). */
	public String price(String productId) {
		return partitionFor(productId).price(productId);
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

	/**
	 * List staging one catalog import before it is applied (read and written only by
	 * plain commands, never by a script).
	 */
	public String catalogImport(String importId) {
		return this.prefix + "catalog-import:" + importId;
	}

	/** Marker taken by the API replica that seeds the demo catalog. */
	public String demoSeed() {
		return this.prefix + "demo-seed";
	}

	/**
	 * The keys of one partition of the pricing data, all under its hash tag
	 * ({@code {p<index>}}).
	 */
	public static final class Partition {

		private final int index;

		private final String tag;

		Partition(int index, String tag) {
			this.index = index;
			this.tag = tag;
		}

		/** The partition's index, from 0. */
		public int index() {
			return this.index;
		}

		/** Hash holding one catalog product. */
		public String product(String productId) {
			return this.tag + "product:" + productId;
		}

		/**
		 * Hash of the products of one category in this partition: product id → its
		 * pricing inputs (see
		 * {@link dev.pricingengine.common.catalog.ProductCodec#toInputs}), so that a
		 * recalculation reads a category's members and their inputs in one scan.
		 */
		public String category(String category) {
			return this.tag + "category:" + category;
		}

		/**
		 * Hash of category → revision of its pricing inputs, bumped by every script that
		 * changes a category's entries (catalog import, base price), so that a
		 * recalculation can tell cheaply whether the inputs it listed may have been
		 * replaced since.
		 */
		public String catalogRevisions() {
			return this.tag + "catalog-revisions";
		}

		/** Set of the categories with products in this partition. */
		public String categories() {
			return this.tag + "categories";
		}

		/**
		 * Hash of demand factors and the sequence numbers that set them: this partition's
		 * copy of the market state, which every event's task for the partition applies
		 * (sequence-guarded) under the partition's lock, so that its prices and the
		 * factors they were computed from change together.
		 */
		public String market() {
			return this.tag + "market";
		}

		/** String holding the encoded market price of one product. */
		public String price(String productId) {
			return this.tag + "price:" + productId;
		}

		/**
		 * The recalculation lock (Redisson's fenced lock; its own keys take this name's
		 * hash tag), with the partition's data.
		 * @param lockName the lock's name, without the prefix
		 * @return the key
		 */
		public String recalculationLock(String lockName) {
			return this.tag + lockName;
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

	}

}
