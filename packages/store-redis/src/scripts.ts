// The two Lua scripts every write goes through. Redis runs a script atomically (nothing else runs on
// the server meanwhile), so the version check and the write are one step: no lock key exists that a
// killed writer could leave behind, and a lost race is seen as a 0 and retried from a fresh read.
//
// KEYS[1] session hash {v, rec}, KEYS[2] event list (event n at index n-1), KEYS[3] set of ids.

/**
 * ARGV[1] "new" (create, refuse an existing id), "any" (overwrite: old events dropped), "=" and a
 * version (overwrite only if still at that version: import's hold check) or the version the plan
 * was made from; ARGV[2] id; ARGV[3] new version; ARGV[4] record JSON; ARGV[5..] event JSON.
 * Returns 1 written, 0 refused (id taken for "new", version moved otherwise).
 */
export const COMMIT_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'v')
local mode = ARGV[1]
if mode == 'new' then
  if cur then return 0 end
elseif mode == 'any' then
  redis.call('DEL', KEYS[2])
elseif string.sub(mode, 1, 1) == '=' then
  if cur ~= string.sub(mode, 2) then return 0 end
  redis.call('DEL', KEYS[2])
elseif cur ~= mode then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'rec', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[2])
for i = 5, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return 1
`;

/**
 * ARGV[1] "any" (unconditional) or the version the check passed on; ARGV[2] id.
 * Returns 1 deleted, 0 absent, -1 version moved (the caller checks again).
 */
export const DELETE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if not cur and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[2])
  return 0
end
if ARGV[1] ~= 'any' and cur ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
return 1
`;
