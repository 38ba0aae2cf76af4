package dev.pricingengine.api.deadletter;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Jobs that could not succeed: listed page by page, and replayed one at a time.
 */
@RestController
class DeadLetterController {

	private static final LuaScript REPLAY = LuaScript.fromClasspath("scripts/replay-dead-letter.lua");

	private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,20}-\\d{1,20}");

	private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F-]{1,64}");

	private static final int MAX_LIMIT = 500;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	DeadLetterController(SharedRedisConnection redisConnection, RedisKeys keys) {
		this.redisConnection = redisConnection;
		this.keys = keys;
	}

	/**
	 * A page of dead letters, oldest first.
	 * @param after entry id to continue after (the previous page's {@code next})
	 * @param limit page size, 1 to 500
	 */
	@GetMapping("/api/v1/dead-letters")
	Mono<DeadLetterPage> deadLetters(@RequestParam(required = false) String after,
			@RequestParam(defaultValue = "50") int limit) {
		if (after != null && !ENTRY_ID.matcher(after).matches()) {
			throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
					"'after' must be a dead-letter entry id such as 1764000000000-0");
		}
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
					"'limit' must be between 1 and " + MAX_LIMIT);
		}
		Range<String> range = (after != null) ? Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded())
				: Range.unbounded();
		return this.redisConnection.connection()
			.reactive()
			.xrange(this.keys.deadLetters(), range, Limit.from(limit))
			.map(DeadLetterController::toDeadLetter)
			.collectList()
			.map((items) -> new DeadLetterPage(items,
					(items.size() == limit) ? items.get(items.size() - 1).entryId() : null));
	}

	@PostMapping("/api/v1/dead-letters/{jobId}/replay")
	Mono<ResponseEntity<Map<String, String>>> replay(@PathVariable String jobId) {
		if (!JOB_ID.matcher(jobId).matches()) {
			return Mono.error(notDeadLettered(jobId));
		}
		String[] scriptKeys = { this.keys.job(jobId), this.keys.deadLetters(), this.keys.jobStream() };
		return REPLAY.<String>run(this.redisConnection.connection().reactive(), ScriptOutputType.VALUE, scriptKeys)
			.next()
			.switchIfEmpty(Mono.error(() -> notDeadLettered(jobId)))
			.map((entry) -> ResponseEntity.accepted()
				.body(Map.of("job_id", jobId, "state", "QUEUED", "job", "/api/v1/jobs/" + jobId)));
	}

	private static ProblemException notDeadLettered(String jobId) {
		return new ProblemException(HttpStatus.NOT_FOUND, "not-dead-lettered", "No dead letter",
				"Job '" + jobId + "' is not in the dead-letter stream")
			.with("job_id", jobId);
	}

	private static DeadLetter toDeadLetter(StreamMessage<String, String> entry) {
		Map<String, String> body = entry.getBody();
		MarketEvent event;
		try {
			event = EnvelopeCodec.decode(body.get("envelope")).event();
		}
		catch (IllegalArgumentException ex) {
			event = null; // a malformed job is listed with its error
		}
		return new DeadLetter(entry.getId(), body.get("event_id"), event, body.get("error"),
				Integer.valueOf(body.getOrDefault("attempts", "0")));
	}

	/**
	 * A job that could not succeed.
	 *
	 * @param entryId its dead-letter entry id
	 * @param jobId the job (event) id
	 * @param event the event, if it could be decoded
	 * @param error why it failed
	 * @param attempts attempts made
	 */
	record DeadLetter(String entryId, String jobId, MarketEvent event, String error, int attempts) {

	}

	/**
	 * A page of dead letters.
	 *
	 * @param items the dead letters
	 * @param next the {@code after} of the next page, null on the last
	 */
	record DeadLetterPage(List<DeadLetter> items, String next) {

	}

}
