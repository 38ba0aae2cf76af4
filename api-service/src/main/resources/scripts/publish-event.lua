-- Publishes an event envelope and, in the same atomic step, keeps it until a listener has
-- bridged it onto the job stream (bridge-event.lua forgets it): Pub/Sub does not redeliver, so
-- if every listener that received it dies before bridging it, the listeners bridge it from here.
-- With no receiver nothing is kept (the caller refuses the event).
-- KEYS[1] unbridged events (sorted set: event id -> published at, ms), KEYS[2] their envelopes (hash)
-- ARGV[1] channel, ARGV[2] envelope JSON, ARGV[3] event id, ARGV[4] the command that publishes:
-- PUBLISH, or SPUBLISH on Redis Cluster (a shard channel in the slot of KEYS, which counts every
-- receiver; PUBLISH there would count only the subscribers of this node)
-- Returns the number of receivers. (Subscribers get the message only after the script ends.)
local receivers = redis.call(ARGV[4], ARGV[1], ARGV[2])
if receivers > 0 then
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[1], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)), ARGV[3])
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
end
return receivers
