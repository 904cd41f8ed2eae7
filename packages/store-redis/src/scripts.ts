// The Lua scripts every write and every indexed read go through. Redis runs a script atomically
// (nothing else runs on the server meanwhile), so the version check, the record, its events, every
// index, the totals and the change log entry are one step: no lock key exists that a killed writer
// could leave behind, and a lost race is seen as a 0 and retried from a fresh read.
//
// The write scripts take KEYS[1] session hash {v, rec, ix}, KEYS[2] event list (event n at index
// n-1), KEYS[3] totals hash, KEYS[4] change counter, KEYS[5] change stream. The index sets a session
// belongs to are named in its index entry (`ix`, see index-entry.ts); they share the store's prefix,
// so with a `{hash tag}` prefix every key of a store is on one Cluster slot.

/** Helpers both write scripts share: index moves, running totals, the change log entry. */
const PRELUDE = `
local function move(old, new)
  local same = old and new and old.m == new.m
  local had, keep = {}, {}
  if same then for _, k in ipairs(new.k) do keep[k] = true end end
  local samePrune = old and new and old.p == new.p and old.pm == new.pm
  if old then
    for _, k in ipairs(old.k) do
      had[k] = true
      if not keep[k] then redis.call('ZREM', k, old.m) end
    end
    if not samePrune then redis.call('ZREM', old.p, old.pm) end
  end
  if new then
    for _, k in ipairs(new.k) do
      if not (same and had[k]) then redis.call('ZADD', k, 0, new.m) end
    end
    if not samePrune then redis.call('ZADD', new.p, 0, new.pm) end
  end
end

local function bump(key, field, by)
  if by ~= 0 and redis.call('HINCRBY', key, field, by) == 0 then redis.call('HDEL', key, field) end
end

local function retotal(key, old, new)
  bump(key, 'n', (new and 1 or 0) - (old and 1 or 0))
  for _, f in ipairs({'st', 'md'}) do
    local a, b = old and old[f], new and new[f]
    if a ~= b then
      if a then bump(key, f .. ':' .. a, -1) end
      if b then bump(key, f .. ':' .. b, 1) end
    end
  end
  bump(key, 'it', (new and new.it or 0) - (old and old.it or 0))
  bump(key, 'ec', (new and new.ec or 0) - (old and old.ec or 0))
end

-- First write of a script (before any other), so a refused XADD leaves nothing half-written.
local function record(maxlen, id, kind, version, from, to, after, before)
  if maxlen == '0' then return end
  local pos = redis.call('INCR', KEYS[4])
  local f = {'s', id, 'k', kind, 'v', version, 'f', from, 't', to}
  if after then f[#f + 1] = 'a'; f[#f + 1] = after end
  if before then f[#f + 1] = 'b'; f[#f + 1] = before end
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', maxlen, pos .. '-0', unpack(f))
end
`;

/**
 * ARGV[1] "new" (create, refuse an existing id), "any" (overwrite: old events dropped), "=" and a
 * version (overwrite only if still at that version: import's hold check) or the version the plan
 * was made from; ARGV[2] id; ARGV[3] new version; ARGV[4] record JSON; ARGV[5] index entry JSON;
 * ARGV[6] change log MAXLEN ("0": no change log); ARGV[7..] event JSON.
 * Returns 1 written, 0 refused (id taken for "new", version moved otherwise).
 */
export const COMMIT_SCRIPT = `${PRELUDE}
local cur = redis.call('HGET', KEYS[1], 'v')
local mode = ARGV[1]
if mode == 'new' then
  if cur then return 0 end
elseif string.sub(mode, 1, 1) == '=' then
  if cur ~= string.sub(mode, 2) then return 0 end
elseif mode ~= 'any' and cur ~= mode then
  return 0
end
local new = cjson.decode(ARGV[5])
local oldText = redis.call('HGET', KEYS[1], 'ix')
local old = oldText and cjson.decode(oldText) or nil
if mode == 'new' or mode == 'any' or string.sub(mode, 1, 1) == '=' then
  record(ARGV[6], ARGV[2], 'created', ARGV[3], 1, new.ec, new.f, nil)
  redis.call('DEL', KEYS[2])
else
  record(ARGV[6], ARGV[2], 'committed', ARGV[3], old and old.ec + 1 or 1, new.ec, new.f, old and old.f)
end
move(old, new)
retotal(KEYS[3], old, new)
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'rec', ARGV[4], 'ix', ARGV[5])
for i = 7, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 1
`;

/**
 * ARGV[1] "any" (unconditional) or the version the check passed on; ARGV[2] id; ARGV[3] change log
 * MAXLEN. Returns 1 deleted, 0 absent, -1 version moved (the caller checks again).
 */
export const DELETE_SCRIPT = `${PRELUDE}
local cur = redis.call('HGET', KEYS[1], 'v')
if not cur and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return 0
end
if ARGV[1] ~= 'any' and cur ~= ARGV[1] then return -1 end
local oldText = redis.call('HGET', KEYS[1], 'ix')
local old = oldText and cjson.decode(oldText) or nil
record(ARGV[3], ARGV[2], 'deleted', cur or '0', old and old.ec + 1 or 1, old and old.ec or 0, old and old.f, nil)
move(old, nil)
retotal(KEYS[3], old, nil)
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

/**
 * Walks the created-order sets newest first and returns the members that match. ARGV[1] the
 * session key prefix; ARGV[2] "rec" (member, record pairs), "sum" (status, mode, iterations,
 * eventCount per match) or "count"; ARGV[3]/ARGV[4] the max/min lex bounds; ARGV[5] matches wanted
 * (0: no limit); ARGV[6] members examined at most (so one call never holds the server long);
 * ARGV[7]/ARGV[8] updatedAt bounds, inclusive ("" none); ARGV[9] number of groups, then each group
 * as its size and its set keys. A member matches when it is in one set of every group.
 * The smallest group drives the walk; the others are checked with ZSCORE.
 * Returns {last member examined or "", 1 when nothing is left else 0, number found, rows...}.
 */
export const QUERY_SCRIPT = `
local pre, what, maxb, minb = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local want, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local uf, ut = ARGV[7], ARGV[8]
local groups, i = {}, 10
for g = 1, tonumber(ARGV[9]) do
  local n, keys = tonumber(ARGV[i]), {}
  for j = 1, n do keys[j] = ARGV[i + j] end
  groups[g] = keys
  i = i + n + 1
end
local best, bestSize = 1, nil
for g, keys in ipairs(groups) do
  local size = 0
  for _, k in ipairs(keys) do size = size + redis.call('ZCARD', k) end
  if bestSize == nil or size < bestSize then best, bestSize = g, size end
end
local driver = groups[best]
if what == 'count' and #groups == 1 and uf == '' and ut == '' then
  local n = 0
  for _, k in ipairs(driver) do n = n + redis.call('ZLEXCOUNT', k, minb, maxb) end
  return {'', 1, n}
end
local out, found, seen, last = {'', 0, 0}, 0, 0, ''
local function done(finished)
  out[1], out[2], out[3] = last, finished and 1 or 0, found
  return out
end
local chunk = 256
if want > 0 then chunk = math.min(math.max(want, 16), 256) end
while true do
  local batch, full = {}, false
  for _, k in ipairs(driver) do
    local got = redis.call('ZREVRANGEBYLEX', k, maxb, minb, 'LIMIT', 0, chunk)
    if #got == chunk then full = true end
    for _, m in ipairs(got) do batch[#batch + 1] = m end
  end
  if #driver > 1 then table.sort(batch, function(a, b) return a > b end) end
  local take = math.min(#batch, chunk)
  local exhausted = not full and #batch <= chunk
  for t = 1, take do
    local m = batch[t]
    last = m
    seen = seen + 1
    local ok = true
    for g, keys in ipairs(groups) do
      if g ~= best then
        local inAny = false
        for _, k in ipairs(keys) do
          if redis.call('ZSCORE', k, m) then inAny = true; break end
        end
        if not inAny then ok = false; break end
      end
    end
    local key = pre .. string.sub(m, string.find(m, '|', 1, true) + 1)
    local e = nil
    if ok and (uf ~= '' or ut ~= '' or what == 'sum') then
      local text = redis.call('HGET', key, 'ix')
      if text then e = cjson.decode(text) else ok = false end
      if ok and uf ~= '' and e.ua < uf then ok = false end
      if ok and ut ~= '' and e.ua > ut then ok = false end
    end
    if ok then
      found = found + 1
      if what == 'rec' then
        out[#out + 1] = m
        out[#out + 1] = redis.call('HGET', key, 'rec') or ''
      elseif what == 'sum' then
        out[#out + 1] = e.st; out[#out + 1] = e.md; out[#out + 1] = e.it; out[#out + 1] = e.ec
      end
      if want > 0 and found >= want then return done(exhausted and t == take) end
    end
    if seen >= budget and t < take then return done(false) end
  end
  if exhausted then return done(true) end
  if seen >= budget then return done(false) end
  maxb = '(' .. last
end
`;

/**
 * swapLease: KEYS[1] the lease key; ARGV[1] the expected text, ARGV[2] the next ("" stands for
 * none: lease texts are never empty). Returns {1, next} when it stored `next`, else {0, current}.
 */
export const LEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return {0, current} end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return {1, ARGV[2]}
`;
