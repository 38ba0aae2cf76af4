-- Dead-letters a job in one atomic step: the dead-letter entry (it holds the envelope, so the job
-- can be replayed from it alone) and the job's DEAD_LETTERED status (fields as in JobFields), kept
-- as long as the dead letter: pricing.dead-letters.retention, after which trim-streams.lua drops
-- the entry. A crash can leave neither or both, never a dead letter whose job runs on.
-- KEYS[1] dead-letter stream, KEYS[2] job status hash
-- ARGV[1] event id, ARGV[2] envelope, ARGV[3] error, ARGV[4] attempts, ARGV[5] retention in ms
-- Returns the dead-letter entry id.
local entry = redis.call('XADD', KEYS[1], '*', 'event_id', ARGV[1], 'envelope', ARGV[2], 'error', ARGV[3],
  'attempts', ARGV[4])
local now = redis.call('TIME')
redis.call('HSET', KEYS[2], 'state', 'DEAD_LETTERED', 'envelope', ARGV[2], 'error', ARGV[3], 'attempts', ARGV[4],
  'finished_at', now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)), 'dead_letter', entry)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return entry
