-- Trims the job stream and the dead-letter stream of entries past their retention. A job stream
-- entry is never trimmed while it is pending with a consumer of any group or not yet delivered to
-- every group (so with no group yet, nothing is trimmed); dead letters are read by no group. A key
-- that holds no stream is left alone (the consumers report it).
-- KEYS[1] job stream, KEYS[2] dead-letter stream
-- ARGV[1] job stream retention in ms, ARGV[2] dead-letter retention in ms
-- Returns {job stream entries trimmed, dead letters trimmed}.
local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return {tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))}
end
local function before(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local trimmedJobs = 0
if redis.call('TYPE', KEYS[1])['ok'] == 'stream' then
  local threshold = {nowMs - tonumber(ARGV[1]), 0}
  local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
  if #groups == 0 then
    threshold = nil
  end
  for _, group in ipairs(groups) do
    local fields = {}
    for i = 1, #group, 2 do
      fields[group[i]] = group[i + 1]
    end
    -- the entry after the last one delivered to this group stays
    local delivered = parse(fields['last-delivered-id'])
    local following = {delivered[1], delivered[2] + 1}
    if threshold and before(following, threshold) then
      threshold = following
    end
    if tonumber(fields['pending']) > 0 then
      local oldest = parse(redis.call('XPENDING', KEYS[1], fields['name'])[2])
      if threshold and before(oldest, threshold) then
        threshold = oldest
      end
    end
  end
  if threshold then
    trimmedJobs = redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-%d', threshold[1], threshold[2]))
  end
end
local trimmedDeadLetters = redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d-0', nowMs - tonumber(ARGV[2])))
return {trimmedJobs, trimmedDeadLetters}
