-- Counts one more request in a rate-limit window; the counter expires with the window.
-- KEYS[1] the window's counter; ARGV[1] window length in ms
-- Returns the count including this request.
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
