-- Writes a batch of market prices unless a newer holder of the recalculation lock has written
-- prices: the fence key holds the newest fencing token that wrote, so a worker whose lock lease
-- expired cannot overwrite newer prices. Each price is written only if its product's pricing
-- inputs in its category's hash are still the ones it was computed from, so a catalog import (or
-- a move to another category) that replaced them meanwhile never leaves a price of the old inputs
-- (the import dropped the cached price; the next read or pass prices the new inputs).
-- KEYS[1] fence key, KEYS[2] counter of refused writes, then for each group of products of one
-- category: the category hash, then the group's price keys
-- ARGV[1] fencing token, then for each group: its size n, n product ids, the n pricing inputs the
-- prices were computed from (base|floor|ceiling, as in ProductCodec.toInputs), the n encoded prices
-- Returns the number of prices written, or -1 when a newer token has written (fenced out, nothing
-- written).
local token = tonumber(ARGV[1])
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence > token then
  redis.call('INCR', KEYS[2])
  return -1
end
if fence < token then
  redis.call('SET', KEYS[1], ARGV[1])
end
-- HMGET and MSET in chunks: unpack() is bounded by Lua's C stack
local CHUNK = 500
local entries, m, written = {}, 0, 0
local k, a = 3, 2
while k <= #KEYS do
  local category, n = KEYS[k], tonumber(ARGV[a])
  local ids, inputs, prices = a + 1, a + 1 + n, a + 1 + 2 * n
  for first = 0, n - 1, CHUNK do
    local last = math.min(first + CHUNK, n) - 1
    local current = redis.call('HMGET', category, unpack(ARGV, ids + first, ids + last))
    for i = first, last do
      if current[i - first + 1] == ARGV[inputs + i] then
        entries[m + 1] = KEYS[k + 1 + i]
        entries[m + 2] = ARGV[prices + i]
        m = m + 2
        written = written + 1
        if m == 2 * CHUNK then
          redis.call('MSET', unpack(entries, 1, m))
          m = 0
        end
      end
    end
  end
  k = k + 1 + n
  a = a + 1 + 3 * n
end
if m > 0 then
  redis.call('MSET', unpack(entries, 1, m))
end
return written
