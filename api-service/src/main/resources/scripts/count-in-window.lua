-- Counts one more request in the current one-second window of the Redis server's clock, so
-- that every API replica counts in the same window whatever its own clock says.
-- KEYS[1] the counter of one API key (hash: window = the Redis epoch second it counts, count)
-- ARGV[1] the counter's expiry in ms, set when a window starts (an idle key's counter goes away)
-- Returns the count in the current window, including this request.
local window = redis.call('TIME')[1]
if redis.call('HGET', KEYS[1], 'window') ~= window then
  redis.call('HSET', KEYS[1], 'window', window, 'count', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return redis.call('HINCRBY', KEYS[1], 'count', 1)
