-- Applies one chunk of a staged catalog import: upserts each product hash (fields as in
-- ProductCodec), bumps its revision, writes its pricing inputs into its category's hash
-- (ProductCodec.toInputs: base|floor|ceiling) and removes them from the previous category's when
-- a product moves, and drops its cached price so the next read prices it from the new entry. Bumps
-- the revision of every category whose entries it changed (a recalculation that listed them before
-- then checks each of its prices against the entries: write-prices-fenced.lua).
-- KEYS[1] staging list (5 entries a product: id, category, base, floor, ceiling)
-- KEYS[2] set of all categories, KEYS[3] category revisions (hash: category -> revision)
-- ARGV[1] product key prefix, ARGV[2] category key prefix, ARGV[3] price key prefix
-- ARGV[4] index of the first product of the chunk, ARGV[5] products in the chunk
-- Returns the number of products applied.
local first = tonumber(ARGV[4]) * 5
local items = redis.call('LRANGE', KEYS[1], first, first + tonumber(ARGV[5]) * 5 - 1)
local changed = {}
for i = 1, #items, 5 do
  local id, category = items[i], items[i + 1]
  local productKey = ARGV[1] .. id
  local previous = redis.call('HGET', productKey, 'category')
  if previous and previous ~= category then
    redis.call('HDEL', ARGV[2] .. previous, id)
    changed[previous] = true
  end
  changed[category] = true
  redis.call('HSET', productKey, 'category', category, 'base_price', items[i + 2],
    'floor_price', items[i + 3], 'ceiling_price', items[i + 4])
  redis.call('HINCRBY', productKey, 'rev', 1)
  redis.call('HSET', ARGV[2] .. category, id, items[i + 2] .. '|' .. items[i + 3] .. '|' .. items[i + 4])
  redis.call('SADD', KEYS[2], category)
  redis.call('DEL', ARGV[3] .. id)
end
for category in pairs(changed) do
  redis.call('HINCRBY', KEYS[3], category, 1)
end
return #items / 5
