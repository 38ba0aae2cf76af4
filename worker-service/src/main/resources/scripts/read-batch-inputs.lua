-- Reads what the pricing rule needs for a batch of products in one round trip.
-- KEYS[1] market state hash, KEYS[2..] product hashes
-- ARGV[1] market field of a category without the category ("category:"),
-- ARGV[2] market field of a product without the product ("product:"), ARGV[3..] product ids
-- Returns the global factor, then per product: category, base, floor, ceiling, category factor,
-- product factor ("" where unset; an unknown product has "" as category).
local reply = {redis.call('HGET', KEYS[1], 'global') or ''}
for i = 2, #KEYS do
  local p = redis.call('HMGET', KEYS[i], 'category', 'base_price', 'floor_price', 'ceiling_price')
  local category = p[1] or ''
  local factors = redis.call('HMGET', KEYS[1], ARGV[1] .. category, ARGV[2] .. ARGV[i + 1])
  table.insert(reply, category)
  table.insert(reply, p[2] or '')
  table.insert(reply, p[3] or '')
  table.insert(reply, p[4] or '')
  table.insert(reply, factors[1] or '')
  table.insert(reply, factors[2] or '')
end
return reply
