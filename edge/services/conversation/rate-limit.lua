-- A user's sliding-window rate limit, counted as @upstash/ratelimit's slidingWindow counts (this
-- window's count plus the previous window's, weighted by how much of that is still inside the window),
-- and, in the same command, the values of further keys read with it (the conversation's summary and
-- /reset mark): one message's reads cost the check no command of their own.
-- KEYS[1] this window's counter, KEYS[2] the previous window's, KEYS[3…] keys read along.
-- ARGV[1] replies allowed per window, ARGV[2] now (epoch ms), ARGV[3] the window (ms).
-- Returns { remaining (-1: refused), the value of KEYS[3], … } (false for a key that is not there).
local values = redis.call('MGET', unpack(KEYS))
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local current = tonumber(values[1]) or 0
local previous = math.floor((1 - (tonumber(ARGV[2]) % window) / window) * (tonumber(values[2]) or 0))
local result = { -1 }
if previous + current < limit then
  local count = redis.call('INCRBY', KEYS[1], 1)
  -- Set once, when the window's counter is made: long enough to count as the next one's previous.
  if count == 1 then redis.call('PEXPIRE', KEYS[1], window * 2 + 1000) end
  result[1] = limit - (count + previous)
end
for i = 3, #KEYS do result[i - 1] = values[i] end
return result
