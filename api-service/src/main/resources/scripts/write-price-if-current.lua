-- Cache-aside write-back that can never overwrite a newer price: it writes only if nobody
-- wrote the price meanwhile (NX) and neither the product nor the market state changed since
-- the inputs were read (revisions compared).
-- KEYS[1] price key, KEYS[2] product hash, KEYS[3] market state hash
-- ARGV[1] encoded price, ARGV[2] TTL in milliseconds, ARGV[3] product revision read,
-- ARGV[4] market revision read
-- Returns 1 when written, 0 otherwise.
if (redis.call('HGET', KEYS[2], 'rev') or '0') ~= ARGV[3] then
  return 0
end
if (redis.call('HGET', KEYS[3], 'rev') or '0') ~= ARGV[4] then
  return 0
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
