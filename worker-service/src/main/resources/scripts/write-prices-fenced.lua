-- Writes a batch of market prices, each only if no writer with a newer fencing token has
-- written it: a worker whose lock lease expired cannot overwrite newer prices. The token is the
-- last field of the encoded price (MarketPriceCodec: price|base|computed_at|version).
-- KEYS price keys; ARGV[1] fencing token, ARGV[2] TTL in ms, ARGV[3..] encoded prices in KEYS order
-- Returns {written, rejected}.
local token = tonumber(ARGV[1])
local written, rejected = 0, 0
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  local version = current and tonumber(string.match(current, '|(%d+)$')) or 0
  if version > token then
    rejected = rejected + 1
  else
    redis.call('SET', KEYS[i], ARGV[i + 2], 'PX', ARGV[2])
    written = written + 1
  end
end
return {written, rejected}
