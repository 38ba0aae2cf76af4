-- Puts a dead-lettered task back on the job stream from its dead-letter entry alone (it holds the
-- envelope and the partition; an entry written before partitions is partition 0's), atomically:
-- the same envelope under the same event id and partition, a QUEUED status for that partition and
-- the job (fields as in JobFields; the other partitions' fields and the trace id kept, a status
-- that expired written afresh) that expires after the given retention, the dead-letter entry
-- removed.
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
local partition = body['partition'] or '0'
local requeued = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[2], 'envelope', body['envelope'], 'partition',
  partition)
redis.call('XDEL', KEYS[1], ARGV[1])
local now = redis.call('TIME')
local enqueuedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local prefix = 'partition:' .. partition .. ':'
if redis.call('EXISTS', KEYS[3]) == 0 or not redis.call('HGET', KEYS[3], 'partitions') then
  local traceId = redis.call('HGET', KEYS[3], 'trace_id')
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], 'partitions', partition)
  if traceId then
    redis.call('HSET', KEYS[3], 'trace_id', traceId)
  end
end
redis.call('HDEL', KEYS[3], 'finished_at', 'error', 'dead_letter', prefix .. 'finished_at', prefix .. 'error',
  prefix .. 'dead_letter', prefix .. 'processed', prefix .. 'total')
redis.call('HSET', KEYS[3], 'state', 'QUEUED', 'envelope', body['envelope'], 'sequence', ARGV[3], 'attempts', '0',
  'enqueued_at', enqueuedAt, 'stream_entry', requeued, prefix .. 'state', 'QUEUED', prefix .. 'attempts', '0',
  prefix .. 'stream_entry', requeued)
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return requeued
