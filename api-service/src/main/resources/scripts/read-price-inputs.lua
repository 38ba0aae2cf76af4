-- Reads everything the pricing rule needs for one product in one round trip.
-- KEYS[1] product hash, KEYS[2] market state hash
-- ARGV[1] market field of the product's category without the category ("category:")
-- ARGV[2] market field of the product ("product:P-7")
-- Returns an empty array for an unknown product, otherwise
-- {category, base, floor, ceiling, product_rev, global, category_factor, product_factor,
--  market_rev, server_time_seconds, server_time_micros}; an unset factor is "".
local product = redis.call('HMGET', KEYS[1], 'category', 'base_price', 'floor_price', 'ceiling_price', 'rev')
if not product[1] then
  return {}
end
local market = redis.call('HMGET', KEYS[2], 'global', ARGV[1] .. product[1], ARGV[2], 'rev')
local now = redis.call('TIME')
return {product[1], product[2], product[3], product[4], product[5] or '0',
        market[1] or '', market[2] or '', market[3] or '', market[4] or '0', now[1], now[2]}
