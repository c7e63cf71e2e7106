// Lua scripts: used only where several keys must change in one atomic step. Each header lists
// KEYS and ARGV. They run on Redis >= 6.2 (LMOVE) and over @upstash/redis (EVAL/EVALSHA).

/** A script run by EVALSHA (SHA-1 from `scriptSha`); loaded on NOSCRIPT (SCRIPT LOAD, or EVAL over Upstash). */
export interface LuaScript {
  name: string
  source: string
}

// Milliseconds from Redis' own clock, so delays do not depend on the clocks of the clients.
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/**
 * enqueue: for each event, mark its id seen and push its job, only when it was not seen. Takes
 * several events at once, so a busy producer pays one round trip and one script call per batch.
 * KEYS[2i-1] seen key of event i   KEYS[2i] pending list of event i
 * ARGV[1] dedupe TTL in seconds   ARGV[i+1] job envelope of event i (JSON)
 * Returns a list: 1 for each event queued, 0 for each event whose id was already seen (also
 * when the same id came earlier in the same call).
 */
export const ENQUEUE: LuaScript = {
  name: 'enqueue',
  source: `local out = {}
for i = 1, #KEYS / 2 do
  if redis.call('SET', KEYS[2 * i - 1], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('LPUSH', KEYS[2 * i], ARGV[i + 1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`,
}

/**
 * moveJob: take one exact job string out of a list and push a (possibly rewritten) string onto
 * another list. Used to bury (processing → dead), hand back (processing → pending, head of the
 * line) and replay (dead → pending). Nothing is pushed when the job was no longer there (a reaper
 * or another replay got it first), so a job is never duplicated.
 * KEYS[1] source list   KEYS[2] destination list
 * ARGV[1] job string to remove   ARGV[2] job string to push   ARGV[3] 'L' (LPUSH) or 'R' (RPUSH)
 * Returns 1 when moved, 0 when the job was not in the source list.
 */
export const MOVE_JOB: LuaScript = {
  name: 'moveJob',
  source: `if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if ARGV[3] == 'R' then redis.call('RPUSH', KEYS[2], ARGV[2]) else redis.call('LPUSH', KEYS[2], ARGV[2]) end
return 1`,
}

/**
 * retry: take a job out of a processing list and schedule its next attempt.
 * KEYS[1] processing list   KEYS[2] delayed sorted set
 * ARGV[1] job string to remove   ARGV[2] rewritten job (attempts + 1, lastError)   ARGV[3] delay ms
 * Returns 1 when scheduled, 0 when the job was not in the processing list.
 */
export const RETRY: LuaScript = {
  name: 'retry',
  source: `if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
${NOW_MS}
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
return 1`,
}

/**
 * promote: move delayed jobs whose time has come to the back of the pending list.
 * KEYS[1] delayed sorted set   KEYS[2] pending list
 * ARGV[1] the most jobs to move in one call
 * Returns how many were moved.
 */
export const PROMOTE: LuaScript = {
  name: 'promote',
  source: `${NOW_MS}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('LPUSH', KEYS[2], job)
end
return #due`,
}

/**
 * reap: if a consumer's heartbeat has expired, take back every job of its processing list and
 * forget the consumer. Each job there was counted as an attempt when it was reserved (see
 * `reserve` in redis-queue.ts), so its envelope already says how many runs it had and that this
 * one ended with its worker dead. A job whose runs reached `maxAttempts` goes to the dead list
 * (with `failedAt`); the others go back to the head of pending, oldest first in line. Atomic, so
 * reapers running at once cannot move a job twice: the second sees an empty list.
 * KEYS[1] heartbeat key   KEYS[2] processing list   KEYS[3] pending list   KEYS[4] consumers set
 * KEYS[5] dead list
 * ARGV[1] consumer id   ARGV[2] maxAttempts
 * Returns -1 when the consumer is alive, else { returned to pending, moved to dead }.
 *
 * The envelope is only read with cjson, never written back: cjson would re-encode the payload
 * (an empty array becomes an object, long numbers lose digits). `failedAt` is appended to the
 * JSON text instead; JSON.parse keeps the last of repeated keys.
 */
export const REAP: LuaScript = {
  name: 'reap',
  source: `if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
${NOW_MS}
local max = tonumber(ARGV[2])
local returned, buried = 0, 0
while true do
  local job = redis.call('LPOP', KEYS[2])
  if not job then break end
  local ok, env = pcall(cjson.decode, job)
  local runs = ok and type(env) == 'table' and tonumber(env.attempts) or nil
  if runs and runs >= max and string.sub(job, -1) == '}' then
    redis.call('LPUSH', KEYS[5], string.sub(job, 1, -2) .. ',"failedAt":' .. string.format('%d', now) .. '}')
    buried = buried + 1
  else
    redis.call('RPUSH', KEYS[3], job)
    returned = returned + 1
  end
end
redis.call('SREM', KEYS[4], ARGV[1])
return { returned, buried }`,
}

/**
 * claim: rewrite a job that BLMOVE just put in a processing list (it counts the run as an
 * attempt). Idempotent, so a call whose answer was lost can be sent again.
 * KEYS[1] processing list
 * ARGV[1] the job as moved   ARGV[2] the job as claimed
 * Returns 1 when rewritten (or already rewritten), 0 when the job is no longer in the list.
 */
export const CLAIM: LuaScript = {
  name: 'claim',
  source: `if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[1], ARGV[2])
  return 1
end
if redis.call('LPOS', KEYS[1], ARGV[2]) then return 1 end
return 0`,
}

const shas = new Map<string, string>()

/** The SHA-1 when already computed (saves an await on the hot path). */
export const knownSha = (script: LuaScript): string | undefined => shas.get(script.source)

/**
 * SHA-1 of a script's source (Web Crypto, so it also runs on edge runtimes). Computed once per
 * script; concurrent first calls may each compute it, which is harmless.
 */
export const scriptSha = async (script: LuaScript): Promise<string> => {
  const known = knownSha(script)
  if (known) return known
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(script.source))
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
  shas.set(script.source, hex)
  return hex
}

/** True for Redis' "script not loaded" error, whatever client wrapped it. */
export const isNoScript = (err: unknown) =>
  err instanceof Error && err.message.toUpperCase().includes('NOSCRIPT')
