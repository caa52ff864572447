-- Writes KEYS[1] with expiry ARGV[2] (SET to ARGV[3], or RPUSH of it when ARGV[4] is "push"), unless
-- any of KEYS[2…] marks an erasure at or after ARGV[1] (when the write's turn began). Returns 1 when
-- written.
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[1]) then return 0 end
end
if ARGV[4] == 'push' then redis.call('RPUSH', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
