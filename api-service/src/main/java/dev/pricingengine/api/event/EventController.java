package dev.pricingengine.api.event;

import java.net.URI;
import java.security.Principal;

import dev.pricingengine.api.system.ProblemException;
import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.event.MarketEvent;
import dev.pricingengine.common.event.MarketEventType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Accepts market events: validates, numbers and publishes them. A 202 means a listener
 * received the event; with no listener subscribed the answer is 503 and nothing is
 * accepted.
 */
@RestController
@Tag(name = "Market events")
class EventController {

	private final EventPublisher publisher;

	private final EventProperties properties;

	private final PublishRateLimit rateLimit;

	EventController(EventPublisher publisher, EventProperties properties, PublishRateLimit rateLimit) {
		this.publisher = publisher;
		this.properties = properties;
		this.rateLimit = rateLimit;
	}

	@PostMapping("/api/v1/publish-market-event")
	@Operation(summary = "Publish a market event",
			description = "Validated, numbered and published to the listeners; an empty body means RECALCULATE. "
					+ "The 202 names the job that follows it (Location)")
	@ApiResponse(responseCode = "202", description = "Accepted: a listener received the event")
	@ResponseStatus(HttpStatus.ACCEPTED)
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 400, 401, 413, 429, 503 })
	Mono<ResponseEntity<PublishResponse>> publish(@RequestBody(required = false) Mono<PublishEventRequest> request,
			Principal key) {
		return request.map(this::validEvent)
			.defaultIfEmpty(MarketEvent.RECALCULATE)
			.flatMap((event) -> this.rateLimit.acquire(key).thenReturn(event))
			.flatMap(this.publisher::publish)
			.map((published) -> {
				String eventId = published.envelope().eventId();
				if (published.receivers() == 0) {
					throw new NoListenerException(eventId, channel());
				}
				String job = "/api/v1/jobs/" + eventId;
				return ResponseEntity.accepted()
					.location(URI.create(job))
					.body(new PublishResponse(eventId, published.envelope().sequence(), channel(),
							published.receivers(), job));
			});
	}

	private MarketEvent validEvent(PublishEventRequest request) {
		try {
			MarketEvent event = request.toEvent();
			if (event.type() == MarketEventType.DEMAND_FACTOR
					&& (event.factor().compareTo(this.properties.minFactor()) < 0
							|| event.factor().compareTo(this.properties.maxFactor()) > 0)) {
				throw new IllegalArgumentException("factor must be between " + this.properties.minFactor() + " and "
						+ this.properties.maxFactor());
			}
			return event;
		}
		catch (IllegalArgumentException ex) {
			throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid-event", "Invalid market event", ex.getMessage(),
					ex);
		}
	}

	private String channel() {
		return this.publisher.channel();
	}

}
