package dev.pricingengine.api.event;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * Answer to an accepted event.
 *
 * @param eventId the event's id, also its job id
 * @param sequence its sequence number
 * @param channel the Pub/Sub channel it went out on
 * @param receivers how many listeners received it
 * @param job where its job status is
 */
record PublishResponse(@Schema(requiredMode = RequiredMode.REQUIRED) String eventId,
		@Schema(requiredMode = RequiredMode.REQUIRED) long sequence,
		@Schema(requiredMode = RequiredMode.REQUIRED) String channel,
		@Schema(requiredMode = RequiredMode.REQUIRED) long receivers, @Schema(requiredMode = RequiredMode.REQUIRED,
				example = "/api/v1/jobs/0b7f1c9e-5d2a-4f61-9a3e-1c2d3e4f5a6b") String job) {

}
