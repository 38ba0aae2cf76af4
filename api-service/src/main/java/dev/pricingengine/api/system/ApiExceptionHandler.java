package dev.pricingengine.api.system;

import java.io.IOException;

import dev.pricingengine.common.redis.TransientRedisErrors;
import io.lettuce.core.RedisException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

/**
 * Every error as an RFC 9457 problem detail. Spring's handler covers bad requests
 * (malformed or oversized bodies, failed validation, wrong parameter types; a body the
 * JSON decoder refused is described by {@link JsonProblems}) and our own
 * {@code ErrorResponseException}s; this adds Redis being unreachable (or its connection
 * reset under a command), or answering that it cannot serve while a failover is under way
 * ({@code CLUSTERDOWN}, {@code READONLY}, ...), which is retryable (503).
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(ApiExceptionHandler.class);

	private static final String RETRY_AFTER_SECONDS = "1";

	/**
	 * A body the JSON decoder refused: the problem says what is wrong (the field and the
	 * type it must have, the values it may take, where the JSON breaks off) instead of
	 * "Failed to read HTTP message".
	 */
	@Override
	protected Mono<ResponseEntity<Object>> handleServerWebInputException(ServerWebInputException ex,
			HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
		JsonProblems.describe(ex).ifPresent((detail) -> ex.getBody().setDetail(detail));
		return super.handleServerWebInputException(ex, headers, status, exchange);
	}

	@ExceptionHandler({ RedisException.class, IOException.class })
	Mono<ResponseEntity<ProblemDetail>> redisUnavailable(Exception ex) {
		if (!TransientRedisErrors.isTransient(ex)) {
			return Mono.error(ex);
		}
		logger.warn("Redis unavailable: {}", ex.getMessage());
		ProblemDetail problem = ProblemException.problem(HttpStatus.SERVICE_UNAVAILABLE, "store-unavailable",
				"Price store unavailable", "The price store is unavailable; retry shortly");
		return Mono.just(ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(problem));
	}

}
