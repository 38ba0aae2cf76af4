-- Lists events published at least a given time ago that no listener has bridged yet (every
-- listener that received them died first), oldest first, and forgets ids whose envelope is gone.
-- KEYS[1] unbridged events (sorted set: event id -> published at, ms), KEYS[2] their envelopes (hash)
-- ARGV[1] minimum age in ms, ARGV[2] most events to list
-- Returns their ids and envelopes: id1, envelope1, id2, envelope2, ...
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[2]))
local found = {}
for _, id in ipairs(ids) do
  local envelope = redis.call('HGET', KEYS[2], id)
  if envelope then
    found[#found + 1] = id
    found[#found + 1] = envelope
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return found
