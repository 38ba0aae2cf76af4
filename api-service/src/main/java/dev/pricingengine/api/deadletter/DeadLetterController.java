package dev.pricingengine.api.deadletter;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.event.EnvelopeCodec;
import dev.pricingengine.common.event.EventEnvelope;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.job.DeadLetterProperties;
import dev.pricingengine.common.job.JobFields;
import dev.pricingengine.common.redis.LuaScript;
import dev.pricingengine.common.redis.RedisKeys;
import dev.pricingengine.common.redis.SharedRedisConnection;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Jobs that could not succeed: listed page by page, and replayed one at a time.
 */
@RestController
@Tag(name = "Dead letters")
class DeadLetterController {

	private static final LuaScript REPLAY = LuaScript.fromClasspath("scripts/replay-dead-letter.lua");

	private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,20}-\\d{1,20}");

	private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F-]{1,64}");

	private static final int MAX_LIMIT = 500;

	/**
	 * Entries read per round trip when a job's dead letter is looked for by its job id.
	 */
	private static final int SCAN_PAGE = 500;

	private final SharedRedisConnection redisConnection;

	private final RedisKeys keys;

	private final DeadLetterProperties deadLetters;

	DeadLetterController(SharedRedisConnection redisConnection, RedisKeys keys, DeadLetterProperties deadLetters) {
		this.redisConnection = redisConnection;
		this.keys = keys;
		this.deadLetters = deadLetters;
	}

	/**
	 * A page of dead letters, oldest first.
	 * @param after entry id to continue after (the previous page's {@code next})
	 * @param limit page size, 1 to 500
	 */
	@GetMapping("/api/v1/dead-letters")
	@Operation(summary = "Dead letters, a page at a time", description = "Oldest first; next names the page after")
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 400, 401, 503 })
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

	/**
	 * Replays a dead letter, found by its job id or its entry id, from the entry itself
	 * (it holds the envelope): for as long as the dead letter is kept
	 * ({@code pricing.dead-letters.retention}), whether or not its job's status is.
	 * @param id the job (event) id, or the dead-letter entry id
	 */
	@PostMapping("/api/v1/dead-letters/{id}/replay")
	@Operation(summary = "Replay a dead letter",
			description = "Found by its job id or its entry id; its task is queued again")
	@ApiResponse(responseCode = "202", description = "Queued again")
	@ResponseStatus(HttpStatus.ACCEPTED)
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 401, 404, 409, 503 })
	Mono<ResponseEntity<Map<String, String>>> replay(@PathVariable String id) {
		Mono<StreamMessage<String, String>> deadLetter = ENTRY_ID.matcher(id).matches() ? entry(id)
				: JOB_ID.matcher(id).matches() ? findByJob(id) : Mono.empty();
		return deadLetter.switchIfEmpty(Mono.error(() -> notDeadLettered(id))).flatMap(this::replay);
	}

	private Mono<ResponseEntity<Map<String, String>>> replay(StreamMessage<String, String> deadLetter) {
		String jobId = deadLetter.getBody().get("event_id");
		EventEnvelope envelope;
		try {
			envelope = EnvelopeCodec.decode(deadLetter.getBody().get("envelope"));
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			return Mono.error(
					new ProblemException(HttpStatus.CONFLICT, "not-replayable", "Dead letter holds no event",
							"Dead letter " + deadLetter.getId()
									+ " holds a message that is no event envelope; it cannot " + "be replayed")
						.with("entry_id", deadLetter.getId()));
		}
		String[] scriptKeys = { this.keys.deadLetters(), this.keys.jobStream(), this.keys.job(jobId) };
		return REPLAY
			.<String>run(this.redisConnection.connection().reactive(), ScriptOutputType.VALUE, scriptKeys,
					deadLetter.getId(), jobId, String.valueOf(envelope.sequence()),
					String.valueOf(this.deadLetters.retention().toMillis()),
					this.keys.partitionsOf(envelope.event().productId()))
			.next()
			.switchIfEmpty(Mono.error(() -> notDeadLettered(jobId)))
			.map((entry) -> ResponseEntity.accepted()
				.body(Map.of("job_id", jobId, "state", "QUEUED", "job", "/api/v1/jobs/" + jobId)));
	}

	private Mono<StreamMessage<String, String>> entry(String entryId) {
		return this.redisConnection.connection()
			.reactive()
			.xrange(this.keys.deadLetters(), Range.create(entryId, entryId))
			.next();
	}

	/**
	 * A job's dead letter: the entry its status names, or, when the status is gone, the
	 * newest entry of the job found by reading the stream from its end, a page at a time.
	 */
	private Mono<StreamMessage<String, String>> findByJob(String jobId) {
		return this.redisConnection.connection()
			.reactive()
			.hget(this.keys.job(jobId), JobFields.DEAD_LETTER)
			.flatMap(this::entry)
			.filter((entry) -> jobId.equals(entry.getBody().get("event_id")))
			.switchIfEmpty(Mono.defer(() -> page(Range.unbounded())
				.expand((page) -> (page.size() < SCAN_PAGE) ? Mono.empty()
						: page(Range.from(Range.Boundary.unbounded(),
								Range.Boundary.excluding(page.get(page.size() - 1).getId()))))
				.flatMapIterable((page) -> page)
				.filter((entry) -> jobId.equals(entry.getBody().get("event_id")))
				.next()));
	}

	private Mono<List<StreamMessage<String, String>>> page(Range<String> range) {
		return this.redisConnection.connection()
			.reactive()
			.xrevrange(this.keys.deadLetters(), range, Limit.from(SCAN_PAGE))
			.collectList();
	}

	private static ProblemException notDeadLettered(String id) {
		return new ProblemException(HttpStatus.NOT_FOUND, "not-dead-lettered", "No dead letter",
				"'" + id + "' is neither a job nor an entry in the dead-letter stream")
			.with("job_id", id);
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
		String partition = body.get("partition");
		return new DeadLetter(entry.getId(), body.get("event_id"), event, body.get("error"),
				Integer.valueOf(body.getOrDefault("attempts", "0")),
				(partition != null && partition.matches("\\d{1,4}")) ? Integer.valueOf(partition) : null);
	}

	/**
	 * A job that could not succeed.
	 *
	 * @param entryId its dead-letter entry id
	 * @param jobId the job (event) id
	 * @param event the event, if it could be decoded
	 * @param error why it failed
	 * @param attempts attempts made
	 * @param partition the partition of the job's task that failed (a job has a task per
	 * partition of its event's scope), or null for an entry that is no job's
	 */
	record DeadLetter(@Schema(requiredMode = RequiredMode.REQUIRED) String entryId,
			@Schema(requiredMode = RequiredMode.REQUIRED) String jobId, MarketEvent event, String error,
			@Schema(requiredMode = RequiredMode.REQUIRED) int attempts, Integer partition) {

	}

	/**
	 * A page of dead letters.
	 *
	 * @param items the dead letters
	 * @param next the {@code after} of the next page, null on the last
	 */
	record DeadLetterPage(@Schema(requiredMode = RequiredMode.REQUIRED) List<DeadLetter> items, String next) {

	}

}
