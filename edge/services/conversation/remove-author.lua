-- Removes one person's turns, each with the answer that followed it, from a shared chat's
-- conversation, keeping its expiry; drops the chat's summary, which may retell them; and marks the
-- chat erased now, so a summary being written meanwhile is not saved. Atomic: a turn saved meanwhile
-- is neither lost nor kept twice.
-- KEYS[1] the chat's conversation, KEYS[2] its summary, KEYS[3] its erasure mark.
-- ARGV[1] the person's pseudonym (a user turn's `by`), ARGV[2] now (ms), ARGV[3] the mark's expiry (s).
-- Returns {turns removed, summaries removed}.
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local keep, removed, skipping = {}, 0, false
for _, item in ipairs(items) do
  local ok, turn = pcall(cjson.decode, item)
  if ok and type(turn) == 'table' and turn.role == 'user' then skipping = (turn.by == ARGV[1]) end
  if skipping then removed = removed + 1 else keep[#keep + 1] = item end
end
local summaries = 0
if removed > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  summaries = redis.call('DEL', KEYS[2])
  redis.call('DEL', KEYS[1])
  for i = 1, #keep, 500 do redis.call('RPUSH', KEYS[1], unpack(keep, i, math.min(i + 499, #keep))) end
  if #keep > 0 and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
return {removed, summaries}
