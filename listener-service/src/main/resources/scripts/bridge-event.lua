-- Puts one published event on the job stream exactly once, however many listeners received
-- it: the first to take the bridged marker adds the stream entry and the QUEUED job status
-- (fields as in JobFields), atomically. Either way the event is no longer unbridged (see the
-- API's publish-event.lua).
-- KEYS[1] bridged marker, KEYS[2] job stream, KEYS[3] job status hash, KEYS[4] unbridged events,
-- KEYS[5] unbridged envelopes
-- ARGV[1] envelope JSON, ARGV[2] event id, ARGV[3] sequence, ARGV[4] marker TTL in ms,
-- ARGV[5] job status retention in ms, ARGV[6] trace id ('' without tracing)
-- Returns the stream entry id, or false when another listener already bridged the event.
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[2])
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then
  return false
end
local now = redis.call('TIME')
local enqueuedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local entry = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[2], 'envelope', ARGV[1])
redis.call('HSET', KEYS[3], 'state', 'QUEUED', 'envelope', ARGV[1], 'sequence', ARGV[3],
  'attempts', '0', 'enqueued_at', enqueuedAt, 'stream_entry', entry)
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[3], 'trace_id', ARGV[6])
end
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return entry
