package dev.pricingengine.common.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import reactor.core.publisher.Flux;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), sent in full only when the server does
 * not know it yet (after a restart or failover), so each call is a single round trip.
 */
public final class LuaScript {

	private final String source;

	private final String sha1;

	private LuaScript(String source) {
		this.source = source;
		this.sha1 = sha1Hex(source);
	}

	/**
	 * Loads a script from the class path.
	 * @param resource class path location, for example
	 * {@code scripts/read-price-inputs.lua}
	 * @return the script
	 */
	public static LuaScript fromClasspath(String resource) {
		try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalArgumentException("No Lua script at classpath:" + resource);
			}
			return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public <T> Flux<T> run(RedisScriptingReactiveCommands<String, String> commands, ScriptOutputType type,
			String[] keys, String... args) {
		return commands.<T>evalsha(this.sha1, type, keys, args)
			.onErrorResume(RedisNoScriptException.class, (ex) -> commands.eval(this.source, type, keys, args));
	}

	/**
	 * Runs the script and waits for its reply, for code on its own threads.
	 * @param commands synchronous commands of a connection
	 * @param type the reply type
	 * @param keys the keys it touches
	 * @param args its arguments
	 * @param <T> the reply type
	 * @return the reply
	 */
	public <T> T call(RedisScriptingCommands<String, String> commands, ScriptOutputType type, String[] keys,
			String... args) {
		try {
			return commands.evalsha(this.sha1, type, keys, args);
		}
		catch (RedisNoScriptException ex) {
			return commands.eval(this.source, type, keys, args);
		}
	}

	/**
	 * Sends the script without waiting for its reply, so that several calls and other
	 * commands can be in flight on one connection (pipelined).
	 * @param commands asynchronous commands of a connection
	 * @param type the reply type
	 * @param keys the keys it touches
	 * @param args its arguments
	 * @param <T> the reply type
	 * @return the reply, when it arrives
	 */
	public <T> CompletionStage<T> submit(RedisScriptingAsyncCommands<String, String> commands, ScriptOutputType type,
			String[] keys, String... args) {
		return commands.<T>evalsha(this.sha1, type, keys, args).exceptionallyCompose((ex) -> {
			Throwable cause = (ex instanceof CompletionException) ? ex.getCause() : ex;
			return (cause instanceof RedisNoScriptException) ? commands.<T>eval(this.source, type, keys, args)
					: CompletableFuture.failedStage(cause);
		});
	}

	private static String sha1Hex(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is required by the Java platform", ex);
		}
	}

}
