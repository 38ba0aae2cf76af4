-- Dead-letters a message on the events channel that is not an event envelope, once however many
-- listeners received it: the first to take the marker adds the dead-letter entry.
-- KEYS[1] marker, KEYS[2] dead-letter stream
-- ARGV[1] id of the message, ARGV[2] the message (possibly cut short), ARGV[3] why it is malformed,
-- ARGV[4] marker TTL in ms
-- Returns the dead-letter entry id, or false when another listener already dead-lettered it.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then
  return false
end
return redis.call('XADD', KEYS[2], '*', 'event_id', ARGV[1], 'envelope', ARGV[2], 'error', ARGV[3],
  'attempts', '0')
