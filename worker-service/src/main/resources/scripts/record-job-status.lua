-- Records a change of a job's status in one atomic step: sets the given fields and, if asked,
-- stamps one of them with the Redis clock (ms). Only an existing status is written to: one that
-- expired (past pricing.listener.job-retention) stays gone instead of coming back as a partial
-- hash without its envelope and without expiry. Writing to a hash keeps its expiry.
-- KEYS[1] job status hash
-- ARGV[1] field to stamp with the Redis clock ('' for none), ARGV[2..] field, value, field, value...
-- Returns 1 when written, 0 when the status is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if ARGV[1] ~= '' then
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[1], ARGV[1], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)))
end
if #ARGV > 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
end
return 1
