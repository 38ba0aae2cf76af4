-- Applies one chunk of a staged catalog import: upserts each product hash (fields as in
-- ProductCodec), bumps its revision, writes its pricing inputs into its category's hash
-- (ProductCodec.toInputs: base|floor|ceiling) and removes them from the previous category's when
-- a product moves, and drops its cached price so the next read prices it from the new entry. Bumps
-- the revision of every category whose entries it changed (a recalculation that listed them before
-- then checks each of its prices against the entries: write-prices-fenced.lua).
-- KEYS[1] set of all categories, KEYS[2] category revisions (hash: category -> revision), then 4 a
-- product: its hash, its new category's hash, its price, the hash of the category the caller found
-- it in (its new category's when it had none)
-- ARGV 6 a product: id, new category, base, floor, ceiling, the category the caller found it in
-- ('' for a new product)
-- Returns the number of products applied, or -1 (nothing applied) when a product is no longer in
-- the category the caller found it in (another import moved it meanwhile: read them again).
local n = #ARGV / 6
for i = 0, n - 1 do
  local previous = redis.call('HGET', KEYS[3 + 4 * i], 'category') or ''
  if previous ~= ARGV[6 * i + 6] then
    return -1
  end
end
-- a product listed twice in the chunk is, at its second entry, where its first one put it
local changed, movedTo = {}, {}
for i = 0, n - 1 do
  local k, a = 3 + 4 * i, 6 * i
  local id, category = ARGV[a + 1], ARGV[a + 2]
  local previous = ARGV[a + 6]
  local previousKey = KEYS[k + 3]
  if movedTo[id] then
    previous = movedTo[id][1]
    previousKey = movedTo[id][2]
  end
  movedTo[id] = {category, KEYS[k + 1]}
  if previous ~= '' and previous ~= category then
    redis.call('HDEL', previousKey, id)
    changed[previous] = true
  end
  changed[category] = true
  redis.call('HSET', KEYS[k], 'category', category, 'base_price', ARGV[a + 3], 'floor_price', ARGV[a + 4],
    'ceiling_price', ARGV[a + 5])
  redis.call('HINCRBY', KEYS[k], 'rev', 1)
  redis.call('HSET', KEYS[k + 1], id, ARGV[a + 3] .. '|' .. ARGV[a + 4] .. '|' .. ARGV[a + 5])
  redis.call('SADD', KEYS[1], category)
  redis.call('DEL', KEYS[k + 2])
end
for category in pairs(changed) do
  redis.call('HINCRBY', KEYS[2], category, 1)
end
return n
