-- Records that one instance of a service is alive, with its status, and forgets the
-- instances not seen for long (killed ones: a stopping instance removes itself).
-- KEYS[1]  sorted set: instance id → when it was last seen (Redis clock, ms)
-- KEYS[2]  hash: instance id → its status (JSON)
-- ARGV[1]  the instance id
-- ARGV[2]  its status, or '' to remove the instance
-- ARGV[3]  forget instances not seen for this many ms
-- Returns the Redis clock, ms.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if ARGV[2] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return now
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
for _, id in ipairs(forgotten) do
  redis.call('HDEL', KEYS[2], id)
end
if #forgotten > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
end
return now
