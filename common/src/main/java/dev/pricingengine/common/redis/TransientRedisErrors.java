package dev.pricingengine.common.redis;

import java.io.IOException;
import java.util.List;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;

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
	 * Whether an error is one that passes by itself, so that trying again later may
	 * succeed.
	 * @param ex the error
	 * @return whether it is transient
	 */
	public static boolean isTransient(Throwable ex) {
		if (ex instanceof RedisConnectionException || ex instanceof RedisCommandTimeoutException
				|| ex instanceof IOException) {
			return true;
		}
		if (ex instanceof RedisCommandExecutionException && ex.getMessage() != null) {
			return TRANSIENT_CODES.stream().anyMatch(ex.getMessage()::startsWith);
		}
		return false;
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
