package dev.pricingengine.common.redis;

import java.io.IOException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TransientRedisErrorsTests {

	@Test
	void aConnectionResetIsTransientAlsoWrappedAsLettucesSynchronousApiThrowsIt() {
		IOException reset = new IOException("Connection reset by peer");
		assertThat(TransientRedisErrors.isTransient(reset)).isTrue();
		// Lettuce's sync API (Exceptions.bubble) and the worker's own waits wrap it
		assertThat(TransientRedisErrors.isTransient(new RedisException(reset))).isTrue();
		assertThat(TransientRedisErrors.isTransient(new RedisException(new RedisConnectionException("refused"))))
			.isTrue();
	}

	@Test
	void failoverRepliesAreTransientOtherErrorsAreNot() {
		assertThat(
				TransientRedisErrors.isTransient(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down")))
			.isTrue();
		assertThat(TransientRedisErrors.isTransient(new RedisCommandExecutionException("MOVED 3714 127.0.0.1:7003")))
			.isTrue();
		assertThat(TransientRedisErrors.isTransient(new RedisCommandExecutionException("ERR unknown command")))
			.isFalse();
		assertThat(TransientRedisErrors.isTransient(new IllegalStateException("bug"))).isFalse();
		assertThat(TransientRedisErrors.isTransient(new RedisException("Connection closed"))).isTrue();
	}

}
