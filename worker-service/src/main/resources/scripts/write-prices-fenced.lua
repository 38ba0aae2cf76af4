-- Writes a batch of market prices unless a newer holder of the recalculation lock has written
-- prices: the fence key holds the newest fencing token that wrote, so a worker whose lock lease
-- expired cannot overwrite newer prices. And no price computed from replaced inputs is written (a
-- catalog import or a base price can change a product's inputs at any moment of a pass): a group
-- of prices listed with their category is written only if the category's revision is still the
-- one seen before the listing (every script that changes a category's entries bumps it); a group
-- of single products, or one retried, only price by price where the product's entry in its
-- category's hash still holds exactly the inputs the price was computed from.
-- KEYS[1] fence key, KEYS[2] counter of refused writes, KEYS[3] category revisions (hash), then for
-- each group: its price keys, preceded by the category hash for a group checked price by price
-- ARGV[1] fencing token, then for each group either
--   'r', the category, the revision seen, n, the n encoded prices, or
--   'i', n, the n product ids, the n pricing inputs (base|floor|ceiling, as in
--   ProductCodec.toInputs), the n encoded prices
-- Returns {-1} when a newer token has written (fenced out: nothing written), else {prices written,
-- then the 1-based positions of the 'r' groups not written because their category's revision
-- changed}.
local token = tonumber(ARGV[1])
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence > token then
  redis.call('INCR', KEYS[2])
  return {-1}
end
if fence < token then
  redis.call('SET', KEYS[1], ARGV[1])
end
-- HMGET and MSET in chunks: unpack() is bounded by Lua's C stack
local CHUNK = 500
local entries, m, written, stale = {}, 0, 0, {}
local function put(key, price)
  entries[m + 1] = key
  entries[m + 2] = price
  m = m + 2
  written = written + 1
  if m == 2 * CHUNK then
    redis.call('MSET', unpack(entries, 1, m))
    m = 0
  end
end
local k, a, group = 4, 2, 0
while a <= #ARGV do
  group = group + 1
  if ARGV[a] == 'r' then
    local n, prices = tonumber(ARGV[a + 3]), a + 4
    if (redis.call('HGET', KEYS[3], ARGV[a + 1]) or '0') == ARGV[a + 2] then
      for i = 0, n - 1 do
        put(KEYS[k + i], ARGV[prices + i])
      end
    else
      stale[#stale + 1] = group
    end
    k = k + n
    a = prices + n
  else
    local category, n = KEYS[k], tonumber(ARGV[a + 1])
    local ids = a + 2
    local inputs, prices = ids + n, ids + 2 * n
    for first = 0, n - 1, CHUNK do
      local last = math.min(first + CHUNK, n) - 1
      local current = redis.call('HMGET', category, unpack(ARGV, ids + first, ids + last))
      for i = first, last do
        if current[i - first + 1] == ARGV[inputs + i] then
          put(KEYS[k + 1 + i], ARGV[prices + i])
        end
      end
    end
    k = k + 1 + n
    a = ids + 3 * n
  end
end
if m > 0 then
  redis.call('MSET', unpack(entries, 1, m))
end
return {written, unpack(stale)}
