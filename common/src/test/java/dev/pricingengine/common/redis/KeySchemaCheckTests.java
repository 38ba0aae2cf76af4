package dev.pricingengine.common.redis;

import java.util.UUID;

import dev.pricingengine.common.test.LocalRedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

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

	private static RedisKeys keys() {
		return new RedisKeys("test-" + UUID.randomUUID() + ":", "market_events");
	}

}
