-- Puts a dead-lettered job back on the job stream: the same envelope under the same event id,
-- its status QUEUED again, its dead-letter entry removed; atomically.
-- KEYS[1] job status hash, KEYS[2] dead-letter stream, KEYS[3] job stream
-- Returns the new job stream entry id, or false when the job is not dead-lettered.
local entryId = redis.call('HGET', KEYS[1], 'dead_letter')
if not entryId or redis.call('HGET', KEYS[1], 'state') ~= 'DEAD_LETTERED' then
  return false
end
local entries = redis.call('XRANGE', KEYS[2], entryId, entryId)
if #entries == 0 then
  return false
end
local fields = entries[1][2]
local body = {}
for i = 1, #fields, 2 do
  body[fields[i]] = fields[i + 1]
end
local requeued = redis.call('XADD', KEYS[3], '*', 'event_id', body['event_id'], 'envelope', body['envelope'])
redis.call('XDEL', KEYS[2], entryId)
redis.call('HSET', KEYS[1], 'state', 'QUEUED', 'stream_entry', requeued)
redis.call('HDEL', KEYS[1], 'dead_letter', 'error')
return requeued
