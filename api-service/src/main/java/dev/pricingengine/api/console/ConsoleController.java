package dev.pricingengine.api.console;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.ProblemResponses;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the operators' console reads besides the API's other endpoints: the overview, once
 * or live, and its settings. Public reads, like job status: they show counts, states and
 * instance names, no operators' data.
 */
@RestController
@Tag(name = "Console")
class ConsoleController {

	/** How long a read of the overview waits for a snapshot (Redis away: none comes). */
	private static final Duration SNAPSHOT_WAIT = Duration.ofSeconds(5);

	private final OverviewFeed overview;

	private final ConsoleProperties properties;

	ConsoleController(OverviewFeed overview, ConsoleProperties properties) {
		this.overview = overview;
		this.properties = properties;
	}

	@GetMapping("/api/v1/console/overview")
	@Operation(summary = "The system now",
			description = "The live feed's latest snapshot: events, jobs by state (of the newest "
					+ OverviewFeed.SAMPLED_ENTRIES + " job stream entries), the job stream's groups, dead letters, "
					+ "each partition's lock, and the instances that announce themselves")
	@ProblemResponses({ 503 })
	Mono<Overview> overview() {
		return this.overview.feed()
			.next()
			.timeout(SNAPSHOT_WAIT)
			.onErrorMap(TimeoutException.class, (ex) -> new ProblemException(HttpStatus.SERVICE_UNAVAILABLE,
					"no-snapshot", "No snapshot", "No snapshot of the system could be taken: Redis is unreachable"));
	}

	@GetMapping(path = "/api/v1/console/overview/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	@Operation(summary = "The system, live",
			description = "Server-sent events named 'overview', one per pricing.console.refresh (1 s), each an "
					+ "Overview with its rates since the one before; the latest at once. One snapshot is taken "
					+ "per interval however many consoles watch")
	Flux<ServerSentEvent<Overview>> overviewStream() {
		return this.overview.feed().map((snapshot) -> ServerSentEvent.builder(snapshot).event("overview").build());
	}

	@GetMapping("/api/v1/console/settings")
	@Operation(summary = "The console's settings")
	Settings settings() {
		return new Settings(this.properties.jaegerUrl());
	}

	/**
	 * The console's settings.
	 *
	 * @param jaegerUrl where a job's trace opens: {@code <jaeger_url>/trace/<trace_id>}
	 */
	record Settings(@Schema(requiredMode = RequiredMode.REQUIRED, example = "http://localhost:16686") URI jaegerUrl) {

	}

}
