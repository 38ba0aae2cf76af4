-- Puts a dead-lettered task back on the job stream from its dead-letter entry alone (it holds the
-- envelope and the partition), atomically: the same envelope under the same event id and
-- partition (an entry without one, written before partitions, once for each partition of the
-- event's scope), the task's status reset to QUEUED (its other fields dropped), the job's status
-- (fields as in JobFields) QUEUED, or RUNNING while another of its tasks has started, its error and
-- dead letter those of another dead-lettered task or none (the other tasks' fields and the trace id
-- kept; a status that had expired written afresh), expiring after the given retention; the
-- dead-letter entry removed.
-- KEYS[1] dead-letter stream, KEYS[2] job stream, KEYS[3] job status hash
-- ARGV[1] dead-letter entry id, ARGV[2] job (event) id the entry must hold, ARGV[3] the event's
-- sequence, ARGV[4] status retention in ms, ARGV[5] the partitions of the event's scope,
-- comma-separated
-- Returns the (first) new job stream entry id, or false when the entry is gone (replayed or
-- trimmed).
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
local replayed = body['partition'] or ARGV[5]
redis.call('XDEL', KEYS[1], ARGV[1])
local now = redis.call('TIME')
local enqueuedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local listed = redis.call('HGET', KEYS[3], 'partitions')
if not listed then
  local traceId = redis.call('HGET', KEYS[3], 'trace_id')
  redis.call('DEL', KEYS[3])
  listed = replayed
  redis.call('HSET', KEYS[3], 'partitions', listed, 'attempts', '0', 'enqueued_at', enqueuedAt)
  if traceId then
    redis.call('HSET', KEYS[3], 'trace_id', traceId)
  end
end
local taskFields = {'state', 'attempts', 'stream_entry', 'started_at', 'finished_at', 'worker', 'lock',
  'locked_at', 'unlocked_at', 'fencing_token', 'lock_expired', 'processed', 'total', 'skipped', 'error',
  'dead_letter'}
local first
local isReplayed = {}
for partition in string.gmatch(replayed, '[^,]+') do
  local requeued = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[2], 'envelope', body['envelope'], 'partition',
    partition)
  first = first or requeued
  isReplayed[partition] = true
  local prefix = 'partition:' .. partition .. ':'
  local stale = {}
  for _, field in ipairs(taskFields) do
    stale[#stale + 1] = prefix .. field
  end
  redis.call('HDEL', KEYS[3], unpack(stale))
  redis.call('HSET', KEYS[3], prefix .. 'state', 'QUEUED', prefix .. 'attempts', '0', prefix .. 'stream_entry',
    requeued)
  if not string.find(',' .. listed .. ',', ',' .. partition .. ',', 1, true) then
    listed = listed .. ',' .. partition
  end
end
-- the job: QUEUED unless another task has started; the error of another dead-lettered task
local state, otherError, otherDeadLetter = 'QUEUED', nil, nil
for partition in string.gmatch(listed, '[^,]+') do
  if not isReplayed[partition] then
    local prefix = 'partition:' .. partition .. ':'
    local task = redis.call('HMGET', KEYS[3], prefix .. 'state', prefix .. 'error', prefix .. 'dead_letter')
    if task[1] and task[1] ~= 'QUEUED' then
      state = 'RUNNING'
    end
    if task[1] == 'DEAD_LETTERED' then
      otherError, otherDeadLetter = task[2] or '', task[3] or ''
    end
  end
end
redis.call('HDEL', KEYS[3], 'finished_at', 'error', 'dead_letter')
redis.call('HSET', KEYS[3], 'state', state, 'envelope', body['envelope'], 'sequence', ARGV[3], 'partitions', listed,
  'stream_entry', first)
if otherError then
  redis.call('HSET', KEYS[3], 'error', otherError, 'dead_letter', otherDeadLetter)
end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return first
