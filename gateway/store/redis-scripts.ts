/**
 * The Lua scripts of the Redis store. Each runs atomically on the one node that owns the group's
 * hash (its only key, except the optional wallet-tx index key of `commit` outside Cluster mode), so
 * "check then write" can never interleave with another gateway instance.
 *
 * Group hash `KEYS[1]` fields (see docs/store.md):
 * - `t`: the rollback tombstone (value: server time in ms when placed);
 * - `k:<idempotency key>`: JSON, in flight `{"s":"f","o":token,"f":fingerprint,"l":leaseUntilMs}`
 *   or done `{"s":"d","o":token,"f":fingerprint,"r":record}`.
 *   The `k:` prefix keeps an idempotency key literally named `t` from colliding with the tombstone.
 *
 * Time comes from `redis.call('TIME')`, never from the client, so instances with skewed clocks agree
 * on when a lease ends. Records are spliced in as the client's JSON text and handed back verbatim,
 * never re-encoded by cjson (which would reformat numbers and empty arrays).
 */

/** Shared prelude. `replicate_commands` lets Redis < 5 accept writes after TIME (a no-op since 5). */
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * claim(KEYS[1]=group; ARGV = field, fingerprint, token, leaseMs, mode, ttlMs)
 * → {'claimed', {othersInFlight...}} | {'done', entryJson} | {'in_flight'} | {'conflict'} | {'rolled_back'}
 */
export const CLAIM_LUA = `${PRELUDE}
local key, field, fp, token = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local lease_ms, mode, ttl_ms = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local now = now_ms()
local cur = redis.call('HGET', key, field)
if cur then
  local e = cjson.decode(cur)
  if e.s == 'd' then
    if e.f == fp then return {'done', cur} end
    return {'conflict'}
  end
  if e.l > now then
    if e.f == fp then return {'in_flight'} end
    return {'conflict'}
  end
  -- a lapsed lease counts as absent: its owner crashed or overran
end
if mode == 'guarded' and redis.call('HEXISTS', key, 't') == 1 then return {'rolled_back'} end
local others = {}
if mode == 'tombstone' then
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local f = all[i]
    if f ~= field and string.sub(f, 1, 2) == 'k:' then
      local e = cjson.decode(all[i + 1])
      if e.s == 'f' and e.l > now then others[#others + 1] = string.sub(f, 3) end
    end
  end
  redis.call('HSET', key, 't', string.format('%.0f', now))
end
redis.call('HSET', key, field, '{"s":"f","o":' .. cjson.encode(token) .. ',"f":' .. cjson.encode(fp) ..
  ',"l":' .. string.format('%.0f', now + lease_ms) .. '}')
local keep = math.max(ttl_ms, lease_ms)
if redis.call('PTTL', key) < keep then redis.call('PEXPIRE', key, keep) end
return {'claimed', others}
`;

/**
 * commit(KEYS[1]=group [, KEYS[2]=wallet-tx index]; ARGV = field, token, recordJson, ttlMs [, groupName])
 * → 1 when `token` owns the key (in flight, or already committed by the same token: a safe retry), else 0.
 * The index key is written here only when it can share the script (not in Cluster mode).
 */
export const COMMIT_LUA = `${PRELUDE}
local key, field, token, rec, ttl_ms = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local cur = redis.call('HGET', key, field)
if not cur then return 0 end
local e = cjson.decode(cur)
if e.o ~= token then return 0 end
if e.s == 'f' then
  redis.call('HSET', key, field, '{"s":"d","o":' .. cjson.encode(e.o) .. ',"f":' .. cjson.encode(e.f) ..
    ',"r":' .. rec .. '}')
  if redis.call('PTTL', key) < ttl_ms then redis.call('PEXPIRE', key, ttl_ms) end
end
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[5], 'PX', ttl_ms) end
return 1
`;

/** release(KEYS[1]=group; ARGV = field, token) → 1 when `token` owned the in-flight key (now removed), else 0. */
export const RELEASE_LUA = `${PRELUDE}
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local e = cjson.decode(cur)
if e.s ~= 'f' or e.o ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/** peek(KEYS[1]=group; ARGV = field) → {'done', entryJson} | {'in_flight'} | {'absent'} (read-only; used by awaitKey). */
export const PEEK_LUA = `${PRELUDE}
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'absent'} end
local e = cjson.decode(cur)
if e.s == 'd' then return {'done', cur} end
if e.l > now_ms() then return {'in_flight'} end
return {'absent'}
`;

