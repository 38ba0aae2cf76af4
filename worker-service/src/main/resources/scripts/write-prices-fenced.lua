-- Writes a batch of market prices unless a newer holder of the recalculation lock has written
-- prices: the fence key holds the newest fencing token that wrote, so a worker whose lock lease
-- expired cannot overwrite newer prices. The batch is written whole or not at all.
-- KEYS[1] fence key, KEYS[2] counter of refused writes, KEYS[3..] price keys
-- ARGV[1] fencing token, ARGV[2..] encoded prices, in the order of KEYS[3..]
-- Returns the number of prices written, or -1 when a newer token has written (fenced out).
local token = tonumber(ARGV[1])
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence > token then
  redis.call('INCR', KEYS[2])
  return -1
end
if fence < token then
  redis.call('SET', KEYS[1], ARGV[1])
end
-- MSET in chunks: unpack() is bounded by Lua's C stack
local chunk, n = {}, 0
for i = 3, #KEYS do
  chunk[n + 1] = KEYS[i]
  chunk[n + 2] = ARGV[i - 1]
  n = n + 2
  if n == 1000 or i == #KEYS then
    redis.call('MSET', unpack(chunk, 1, n))
    n = 0
  end
end
return #KEYS - 2
