-- Keeps a consumer's claim on a job stream entry fresh while it works on it: resets the entry's
-- idle time so that no other consumer takes it over (XAUTOCLAIM after claim-idle), without
-- counting a delivery (JUSTID), and only while the entry is still this consumer's (one that was
-- taken over stays with the consumer that took it).
-- KEYS[1] job stream
-- ARGV[1] consumer group, ARGV[2] consumer, ARGV[3] entry id
-- Returns 1 when the claim was kept, 0 when the entry is no longer pending with this consumer.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then
  return 0
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
