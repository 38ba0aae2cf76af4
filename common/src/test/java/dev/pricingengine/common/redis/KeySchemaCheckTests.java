package dev.pricingengine.common.redis;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

import dev.pricingengine.common.test.LocalRedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/** Against a Redis server of the test's own. */
class KeySchemaCheckTests {

	private static LocalRedisServer server;

	private static LettuceConnectionFactory connectionFactory;

	private static SharedRedisConnection connection;

	@BeforeAll
	static void startRedis() {
		server = LocalRedisServer.start();
		connectionFactory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(server.host(), server.port()));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		connection = new SharedRedisConnection(connectionFactory);
		connection.start();
	}

	@AfterAll
	static void stopRedis() {
		connection.stop();
		connectionFactory.destroy();
		server.close();
	}

	@Test
	void startsOnKeysOfTheTaggedSchema() {
		RedisKeys keys = keys();
		connection.connection().sync().sadd(keys.partition(0).categories(), "C-1");
		connection.connection().sync().incr(keys.eventSequence());
		assertThatNoException().isThrownBy(() -> new KeySchemaCheck(connection, keys).start());
	}

	@Test
	void refusesToStartOnKeysNamedAsBeforeTheHashTags() {
		RedisKeys keys = keys();
		connection.connection().sync().sadd(keys.prefix() + "categories", "C-1");
		assertThatIllegalStateException().isThrownBy(() -> new KeySchemaCheck(connection, keys).start())
			.withMessageContaining(keys.prefix() + "categories")
			.withMessageContaining("README");
	}

	@Test
	void recordsTheNumberOfPartitionsOfANewDataSetAndRefusesAnotherNumber() {
		String prefix = "test-" + UUID.randomUUID() + ":";
		RedisKeys four = new RedisKeys(prefix, "market_events", 4);
		new KeySchemaCheck(connection, four).start();
		assertThat(connection.connection().sync().get(four.partitionCount())).isEqualTo("4");
		assertThatNoException().isThrownBy(() -> new KeySchemaCheck(connection, four).start());
		assertThatIllegalStateException()
			.isThrownBy(() -> new KeySchemaCheck(connection, new RedisKeys(prefix, "market_events", 2)).start())
			.withMessageContaining("created with 4 partition(s)")
			.withMessageContaining("pricing.partitions is 2");
	}

	@Test
	void aDataSetCreatedBeforePartitionsWereRecordedHasOne() {
		String prefix = "test-" + UUID.randomUUID() + ":";
		RedisKeys one = new RedisKeys(prefix, "market_events");
		connection.connection().sync().incr(one.eventSequence());
		assertThatIllegalStateException()
			.isThrownBy(() -> new KeySchemaCheck(connection, new RedisKeys(prefix, "market_events", 4)).start())
			.withMessageContaining("created with 1 partition(s)")
			.withMessageContaining("set pricing.partitions=1");
		assertThatNoException().isThrownBy(() -> new KeySchemaCheck(connection, one).start());
		assertThat(connection.connection().sync().get(one.partitionCount())).isEqualTo("1");
	}

	@Test
	void aProductsPartitionIsAStableHashOfItsId() {
		RedisKeys keys = new RedisKeys("pricing:", "market_events", 4);
		// CRC-32 of the id's UTF-8 bytes modulo 4: fixed for good, as stored data
		// depends on it
		assertThat(keys.partitionOf("P-1")).isEqualTo(keys.partitionOf("P-1"));
		assertThat(keys.product("P-1")).isEqualTo("pricing:{p" + keys.partitionOf("P-1") + "}:product:P-1");
		CRC32 crc = new CRC32();
		crc.update("P-12345".getBytes(StandardCharsets.UTF_8));
		assertThat(keys.partitionOf("P-12345")).isEqualTo((int) (crc.getValue() % 4));
		int[] products = new int[4];
		for (int i = 1; i <= 100_000; i++) {
			products[keys.partitionOf("P-" + i)]++;
		}
		assertThat(IntStream.of(products).boxed().toList()).as("products of the demo catalog's ids per partition")
			.allSatisfy((count) -> assertThat(count).isBetween(23_000, 27_000));
	}

	private static RedisKeys keys() {
		return new RedisKeys("test-" + UUID.randomUUID() + ":", "market_events");
	}

}
