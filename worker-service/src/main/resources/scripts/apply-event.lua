-- Applies one market event to the market state or the catalog, unless a newer event (by
-- sequence) already set the same field: arrival order does not matter. Bumps the revision of
-- what changed so that in-flight read-path write-backs of older inputs are refused. A base price
-- also goes into the pricing inputs its product's category hash holds (base|floor|ceiling, as in
-- ProductCodec.toInputs), and bumps that category's revision (see write-prices-fenced.lua).
-- KEYS[1] the hash the field lives in (market state, or the product hash for a base price),
-- KEYS[2] category revisions (hash: category -> revision); for a base price KEYS[3] the hash of
-- the category the caller found the product in
-- ARGV[1] field, ARGV[2] new value, ARGV[3] event sequence; for a base price ARGV[4] that category
-- and ARGV[5] the product id
-- Returns 1 when applied, 0 when a newer event had set it, -1 when the product does not exist,
-- -2 when the product is no longer in that category (a catalog import moved it: read it again).
local basePrice = ARGV[1] == 'base_price'
local product
if basePrice then
  product = redis.call('HMGET', KEYS[1], 'category', 'floor_price', 'ceiling_price')
  if not product[1] then
    return -1
  end
  if product[1] ~= ARGV[4] then
    return -2
  end
end
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':seq') or '0')
if stored >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':seq', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
if basePrice then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[2] .. '|' .. product[2] .. '|' .. product[3])
  redis.call('HINCRBY', KEYS[2], product[1], 1)
end
return 1
