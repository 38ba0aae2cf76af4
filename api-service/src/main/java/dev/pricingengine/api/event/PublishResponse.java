package dev.pricingengine.api.event;

/**
 * Answer to an accepted event.
 *
 * @param eventId the event's id, also its job id
 * @param sequence its sequence number
 * @param channel the Pub/Sub channel it went out on
 * @param receivers how many listeners received it
 * @param job where its job status is
 */
record PublishResponse(String eventId, long sequence, String channel, long receivers, String job) {

}
