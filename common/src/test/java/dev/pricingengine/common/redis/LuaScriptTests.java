package dev.pricingengine.common.redis;

import java.util.concurrent.CompletionException;

import dev.pricingengine.common.test.LocalRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Scripts against a Redis server of the test's own, whose script cache the test may
 * flush.
 */
class LuaScriptTests {

	private static final String ECHO_KEY_SOURCE = "return KEYS[1] .. '=' .. ARGV[1]\n";

	private static final LuaScript ECHO_KEY = LuaScript.fromClasspath("lua-script-tests/echo-key.lua");

	private static LocalRedisServer server;

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> connection;

	@BeforeAll
	static void startRedis() {
		server = LocalRedisServer.start();
		client = RedisClient.create(RedisURI.create(server.host(), server.port()));
		connection = client.connect();
	}

	@AfterAll
	static void stopRedis() {
		connection.close();
		client.shutdown();
		server.close();
	}

	@Test
	void callSendsTheScriptWhenTheServerDoesNotKnowIt() {
		connection.sync().scriptFlush();
		String sha1 = connection.sync().digest(ECHO_KEY_SOURCE);
		assertThat(connection.sync().scriptExists(sha1)).containsExactly(false);
		String reply = ECHO_KEY.call(connection.sync(), ScriptOutputType.VALUE, new String[] { "k" }, "v");
		assertThat(reply).isEqualTo("k=v");
		assertThat(connection.sync().scriptExists(sha1)).containsExactly(true);
	}

	@Test
	void submitSendsTheScriptWhenTheServerDoesNotKnowIt() {
		connection.sync().scriptFlush();
		String reply = ECHO_KEY.<String>submit(connection.async(), ScriptOutputType.VALUE, new String[] { "k" }, "v")
			.toCompletableFuture()
			.join();
		assertThat(reply).isEqualTo("k=v");
	}

	@Test
	void submitReportsAScriptErrorAsItIs() {
		assertThatExceptionOfType(CompletionException.class)
			.isThrownBy(() -> ECHO_KEY.submit(connection.async(), ScriptOutputType.VALUE, new String[0])
				.toCompletableFuture()
				.join())
			.withCauseInstanceOf(RedisCommandExecutionException.class);
	}

}
