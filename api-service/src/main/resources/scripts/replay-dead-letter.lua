-- Puts a dead-lettered job back on the job stream from its dead-letter entry alone (it holds the
-- envelope), atomically: the same envelope under the same event id, a fresh QUEUED status (fields
-- as in JobFields; the trace id kept if the old status still had one) that expires after the given
-- retention, the dead-letter entry removed.
-- KEYS[1] dead-letter stream, KEYS[2] job stream, KEYS[3] job status hash
-- ARGV[1] dead-letter entry id, ARGV[2] job (event) id the entry must hold, ARGV[3] the event's
-- sequence, ARGV[4] status retention in ms
-- Returns the new job stream entry id, or false when the entry is gone (replayed or trimmed).
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then
  return false
end
local fields = entries[1][2]
local body = {}
for i = 1, #fields, 2 do
  body[fields[i]] = fields[i + 1]
end
if body['event_id'] ~= ARGV[2] then
  return false
end
local traceId = redis.call('HGET', KEYS[3], 'trace_id')
local requeued = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[2], 'envelope', body['envelope'])
redis.call('XDEL', KEYS[1], ARGV[1])
local now = redis.call('TIME')
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'state', 'QUEUED', 'envelope', body['envelope'], 'sequence', ARGV[3], 'attempts', '0',
  'enqueued_at', now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)), 'stream_entry', requeued)
if traceId then
  redis.call('HSET', KEYS[3], 'trace_id', traceId)
end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return requeued
