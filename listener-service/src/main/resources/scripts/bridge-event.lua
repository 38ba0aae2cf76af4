-- Puts one published event on the job stream exactly once, however many listeners received
-- it: the first to take the bridged marker adds one stream entry (a task) for each partition of the
-- event's scope and the QUEUED job status (fields as in JobFields: the job's, and each partition's
-- prefixed 'partition:<n>:'), atomically. Either way the event is no longer unbridged (see the
-- API's publish-event.lua).
-- KEYS[1] bridged marker, KEYS[2] job stream, KEYS[3] job status hash, KEYS[4] unbridged events,
-- KEYS[5] unbridged envelopes
-- ARGV[1] envelope JSON, ARGV[2] event id, ARGV[3] sequence, ARGV[4] marker TTL in ms,
-- ARGV[5] job status retention in ms, ARGV[6] trace id ('' without tracing), ARGV[7] the partitions
-- of the event's scope, comma-separated
-- Returns the first stream entry's id, or false when another listener already bridged the event.
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[2])
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then
  return false
end
local now = redis.call('TIME')
local enqueuedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local status = {'state', 'QUEUED', 'envelope', ARGV[1], 'sequence', ARGV[3], 'attempts', '0',
  'enqueued_at', enqueuedAt, 'partitions', ARGV[7]}
local first
for partition in string.gmatch(ARGV[7], '[^,]+') do
  local entry = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[2], 'envelope', ARGV[1], 'partition', partition)
  first = first or entry
  local prefix = 'partition:' .. partition .. ':'
  status[#status + 1] = prefix .. 'state'
  status[#status + 1] = 'QUEUED'
  status[#status + 1] = prefix .. 'stream_entry'
  status[#status + 1] = entry
end
status[#status + 1] = 'stream_entry'
status[#status + 1] = first
if ARGV[6] ~= '' then
  status[#status + 1] = 'trace_id'
  status[#status + 1] = ARGV[6]
end
redis.call('HSET', KEYS[3], unpack(status))
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return first
