package dev.pricingengine.common.redis;

import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;

/**
 * Which Lettuce errors pass by themselves: Redis unreachable or slow, a connection reset
 * under a command in flight (a server killed: Lettuce fails that command with the
 * socket's {@link IOException}, its outcome unknown), and the errors a server answers
 * while a failover or a restart is under way (the cluster without a primary for some
 * slots, a demoted primary, a replica still loading).
 */
public final class TransientRedisErrors {

	/** Error codes of replies that a retry after a failover or restart may not get. */
	private static final List<String> TRANSIENT_CODES = List.of("CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "LOADING",
			"READONLY", "MOVED", "ASK");

	private TransientRedisErrors() {
	}

	/**
	 * Whether an error, or one it wraps (Lettuce's synchronous API wraps a socket's
	 * {@link IOException} in a {@link RedisException}), is one that passes by itself, so
	 * that trying again later may succeed.
	 * @param ex the error
	 * @return whether it is transient
	 */
	public static boolean isTransient(Throwable ex) {
		return anyCause(ex, TransientRedisErrors::isTransientItself);
	}

	/**
	 * Whether an error or one it wraps, at any depth, matches.
	 * @param ex the error
	 * @param test what to look for
	 * @return whether one matches
	 */
	public static boolean anyCause(Throwable ex, Predicate<Throwable> test) {
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (test.test(cause)) {
				return true;
			}
		}
		return false;
	}

	private static boolean isTransientItself(Throwable ex) {
		if (ex instanceof RedisConnectionException || ex instanceof RedisCommandTimeoutException
				|| ex instanceof IOException) {
			return true;
		}
		if (ex instanceof RedisCommandExecutionException && ex.getMessage() != null) {
			return TRANSIENT_CODES.stream().anyMatch(ex.getMessage()::startsWith);
		}
		// Lettuce's own words for commands its connection dropped
		return ex instanceof RedisException && ex.getMessage() != null
				&& (ex.getMessage().startsWith("Connection closed")
						|| ex.getMessage().startsWith("Connection is closed"));
	}

	/**
	 * Whether a node answered that another serves the key's slot now.
	 * @param ex the error
	 * @return whether it is a {@code MOVED} or {@code ASK} redirect
	 */
	public static boolean isRedirect(Throwable ex) {
		return ex instanceof RedisCommandExecutionException && ex.getMessage() != null
				&& (ex.getMessage().startsWith("MOVED") || ex.getMessage().startsWith("ASK"));
	}

}
