-- Saves a question and its answer unless the user was erased after the turn began.
-- KEYS[1] the user's erasure mark (its time), KEYS[2] the chat's conversation (a list of turns),
-- KEYS[3] the shared chats the user wrote in, KEYS[4] the reply kept under a client-chosen message id.
-- ARGV[1] when the turn began, ARGV[2] expiry (seconds), ARGV[3] turns kept, ARGV[4] the user's turn,
-- ARGV[5] the answer's turn (with what a retried message needs), ARGV[6] the chat's name in the
-- user's list ("" for a private chat), ARGV[7] the reply to keep under KEYS[4] ("" for none),
-- ARGV[8] "1" when the conversation's expiry is to be set again (else only a new one's is set),
-- ARGV[9] the length past which the list is trimmed to ARGV[3] (a few turns more: trimmed now and then).
-- Returns 1 when saved, 0 when an erasure came first.
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then return 0 end
local length = redis.call('RPUSH', KEYS[2], ARGV[4], ARGV[5])
if length > tonumber(ARGV[9]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1) end
if ARGV[8] == '1' or length == 2 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
if ARGV[6] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[6])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
if ARGV[7] ~= '' then redis.call('SET', KEYS[4], ARGV[7], 'EX', ARGV[2]) end
return 1
