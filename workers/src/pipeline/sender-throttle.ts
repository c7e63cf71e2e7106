import type { RedisCommands } from '../reply/reply-guard.ts'

/** What to do with one event of a sender: answer it, ask the sender to slow down, or stay silent. */
export type ThrottleVerdict = 'reply' | 'slow-down' | 'silent'

export interface SenderThrottle {
  /**
   * The verdict for `eventId` of `senderId` in the current window. The same event always gets
   * the same verdict within a window, so a retried or redelivered job is not counted twice.
   */
  check(senderId: string, eventId: string): Promise<ThrottleVerdict>
}

export interface SenderThrottleOptions {
  redis: RedisCommands
  /** `queueKeys(prefix, queue).throttle` */
  keyFor: (senderId: string, window: number) => string
  /** Replies per sender per window; the next event gets the slow-down reply, later ones nothing. */
  limit: number
  windowSec: number
  /** @defaultValue Date.now */
  now?: () => number
}

/** Pure: the verdict for the `rank`-th event (1-based) of a sender within one window. */
export const verdictFor = (rank: number, limit: number): ThrottleVerdict =>
  rank <= limit ? 'reply' : rank === limit + 1 ? 'slow-down' : 'silent'

// The rank of an event among its sender's events in this window: the one it was given before,
// else the next. The hash expires with the window.
// KEYS[1] the sender's hash for this window   ARGV[1] event id   ARGV[2] TTL in seconds
const RANK = {
  name: 'senderRank',
  source: `local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen then return tonumber(seen) end
local rank = redis.call('HLEN', KEYS[1]) + 1
redis.call('HSET', KEYS[1], ARGV[1], rank)
if rank == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return rank`,
}

/**
 * At most `limit` replies per sender in each fixed window of `windowSec` (X bills every call, and
 * one person must not keep a worker busy): the next event gets one polite slow-down reply, the
 * rest of the window nothing. Counted in Redis, so every worker process shares the count.
 */
export const createSenderThrottle = (opts: SenderThrottleOptions): SenderThrottle => {
  if (!Number.isInteger(opts.limit) || opts.limit < 1)
    throw new Error('createSenderThrottle: limit must be a whole number >= 1')
  if (!(opts.windowSec > 0)) throw new Error('createSenderThrottle: windowSec must be > 0')
  const now = opts.now ?? Date.now
  const windowMs = opts.windowSec * 1000
  // Kept a little past the window, so a slow clock on one worker still finds the count.
  const ttl = String(Math.ceil(opts.windowSec) + 60)
  return {
    check: async (senderId, eventId) => {
      const key = opts.keyFor(senderId, Math.floor(now() / windowMs))
      const rank = Number(await opts.redis.eval(RANK, [key], [eventId, ttl]))
      return verdictFor(rank, opts.limit)
    },
  }
}
