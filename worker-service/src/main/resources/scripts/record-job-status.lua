-- Records a change of one partition's task of a job in one atomic step, and what it makes of the
-- job: sets the given fields for the partition ('partition:<n>:<field>') and, but for the ones
-- aggregated, for the job (so the job shows the latest task's lock, token and worker; the envelope
-- only for the job), stamps one of them with the Redis clock (ms) if asked, then aggregates the
-- partitions listed in the job's 'partitions' field (a status without one — written before
-- partitions, or recreated after it expired — gets the event scope's partitions the caller passes;
-- a partition missing from the list is added): state (once every partition is done: DEAD_LETTERED if one was,
-- else COALESCED if all were, else SUCCEEDED, and finished_at is stamped; until then RETRYING,
-- RUNNING or QUEUED), processed and total (summed), attempts (the most), lock_expired (whether any
-- lapsed), skipped (joined) and coalesced (the partitions handed to their lock's holder); an
-- aggregate with nothing to show is removed, and finished_at while a task is not done.
-- Only an existing status is written to: one that expired (past pricing.listener.job-retention)
-- stays gone instead of coming back as a partial hash without its envelope and without expiry.
-- Writing to a hash keeps its expiry. Dead-lettering a task is recorded here too, so that a crash
-- leaves neither or both, never a dead letter whose task runs on: the dead-letter entry is added
-- (with the envelope and the partition, so that the task can be replayed from it alone), the
-- status is written even if it had expired, and kept as long as the dead letter.
-- KEYS[1] job status hash, KEYS[2] dead-letter stream
-- ARGV[1] partition, ARGV[2] field to stamp with the Redis clock ('' for none), ARGV[3] '' or, to
-- dead-letter the task, the job's (event's) id, ARGV[4] dead-letter retention in ms (with ARGV[3]),
-- ARGV[5] the partitions of the event's scope, comma-separated ('' when unknown),
-- ARGV[6..] field, value, field, value... (to dead-letter: envelope, error and attempts among them)
-- Returns 1 when written, 0 when the status is gone.
local deadLetter = ARGV[3] ~= ''
if not deadLetter and redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local time = redis.call('TIME')
local now = time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))
local aggregated = {state = true, processed = true, total = true, attempts = true, finished_at = true,
  lock_expired = true, skipped = true}
local fields = {}
if ARGV[2] ~= '' then
  fields[1] = ARGV[2]
  fields[2] = now
end
local given = {}
for i = 6, #ARGV, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  given[ARGV[i]] = ARGV[i + 1]
end
if deadLetter then
  local entry = redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[3], 'envelope', given['envelope'], 'error',
    given['error'], 'attempts', given['attempts'], 'partition', ARGV[1])
  fields[#fields + 1] = 'dead_letter'
  fields[#fields + 1] = entry
end
local partitions = redis.call('HGET', KEYS[1], 'partitions')
if not partitions then
  partitions = (ARGV[5] ~= '') and ARGV[5] or ARGV[1]
  fields[#fields + 1] = 'partitions'
  fields[#fields + 1] = partitions
end
if not string.find(',' .. partitions .. ',', ',' .. ARGV[1] .. ',', 1, true) then
  partitions = partitions .. ',' .. ARGV[1]
  fields[#fields + 1] = 'partitions'
  fields[#fields + 1] = partitions
end
local jobOnly = {envelope = true, partitions = true}
local writes = {}
for i = 1, #fields, 2 do
  if not jobOnly[fields[i]] then
    writes[#writes + 1] = 'partition:' .. ARGV[1] .. ':' .. fields[i]
    writes[#writes + 1] = fields[i + 1]
  end
  if not aggregated[fields[i]] then
    writes[#writes + 1] = fields[i]
    writes[#writes + 1] = fields[i + 1]
  end
end
if #writes > 0 then
  redis.call('HSET', KEYS[1], unpack(writes))
end
local count, done, coalesced, dead, retrying, started = 0, 0, {}, false, false, false
local processed, total, attempts, counted, totalled = 0, 0, 0, false, false
local expired, skipped = nil, {}
for partition in string.gmatch(partitions, '[^,]+') do
  local prefix = 'partition:' .. partition .. ':'
  local task = redis.call('HMGET', KEYS[1], prefix .. 'state', prefix .. 'processed', prefix .. 'total',
    prefix .. 'attempts', prefix .. 'lock_expired', prefix .. 'skipped')
  local state = task[1] or 'QUEUED'
  count = count + 1
  if state == 'SUCCEEDED' or state == 'COALESCED' or state == 'DEAD_LETTERED' then
    done = done + 1
  end
  if state == 'COALESCED' then
    coalesced[#coalesced + 1] = partition
  end
  dead = dead or state == 'DEAD_LETTERED'
  retrying = retrying or state == 'RETRYING'
  started = started or state ~= 'QUEUED'
  if task[2] then
    processed, counted = processed + tonumber(task[2]), true
  end
  if task[3] then
    total, totalled = total + tonumber(task[3]), true
  end
  attempts = math.max(attempts, tonumber(task[4] or '0'))
  if task[5] then
    expired = (expired == 'true' or task[5] == 'true') and 'true' or 'false'
  end
  if task[6] and task[6] ~= '' then
    skipped[#skipped + 1] = task[6]
  end
end
local state
if done == count then
  state = dead and 'DEAD_LETTERED' or (#coalesced == count) and 'COALESCED' or 'SUCCEEDED'
elseif retrying then
  state = 'RETRYING'
elseif started then
  state = 'RUNNING'
else
  state = 'QUEUED'
end
local job, absent = {'state', state, 'attempts', attempts}, {}
local function aggregate(field, present, value)
  if present then
    job[#job + 1] = field
    job[#job + 1] = value
  else
    absent[#absent + 1] = field
  end
end
aggregate('processed', counted, processed)
aggregate('total', totalled, total)
aggregate('lock_expired', expired ~= nil, expired)
aggregate('skipped', #skipped > 0, table.concat(skipped, ','))
aggregate('coalesced', #coalesced > 0, table.concat(coalesced, ','))
local finishedAt = redis.call('HGET', KEYS[1], 'finished_at')
aggregate('finished_at', done == count, finishedAt or now)
redis.call('HSET', KEYS[1], unpack(job))
if #absent > 0 then
  redis.call('HDEL', KEYS[1], unpack(absent))
end
if deadLetter then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
