import type { Redis } from '@upstash/redis'
import { enqueueCall, enqueueRequest, enqueueResults } from './enqueue-batcher.ts'
import { QueueUnavailableError } from './errors.ts'
import { ENQUEUE, isNoScript, scriptSha } from './scripts.ts'
import type { QueueProducer } from './types.ts'

/** The part of an `@upstash/redis` `Redis` instance the producer uses. */
export type UpstashRedisLike = Pick<Redis, 'eval' | 'evalsha' | 'ping'>

export interface UpstashProducerOptions {
  /** @defaultValue 'tweetbot' */
  prefix?: string
  /** @defaultValue 86400 (24 h) */
  dedupeTtlSec?: number
}

const unavailable = (err: unknown, what: string) =>
  new QueueUnavailableError(
    `upstash ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  )

/**
 * The enqueue side of the queue over `@upstash/redis` (HTTP), for a master on an edge runtime.
 * Runs the same Lua script as `createRedisQueue` (EVALSHA, EVAL when the server lacks it), so
 * both transports write identical keys and jobs. Any failed call becomes `QueueUnavailableError`:
 * the master answers 503 and X delivers again (dedupe makes that safe).
 *
 * @example
 * const producer = createUpstashProducer(new Redis({ url, token }), { prefix: 'tweetbot' })
 * await producer.enqueue('chat', dmEventId, job)
 */
export const createUpstashProducer = (
  redis: UpstashRedisLike,
  opts: UpstashProducerOptions = {},
): QueueProducer => {
  const prefix = opts.prefix ?? 'tweetbot'
  const dedupeTtlSec = opts.dedupeTtlSec ?? 86_400
  return {
    enqueue: async (queue, eventId, payload) => {
      const { keys, args } = enqueueCall(dedupeTtlSec, [
        enqueueRequest(prefix, queue, eventId, payload),
      ])
      let res: unknown
      try {
        res = await redis.evalsha(await scriptSha(ENQUEUE), keys, args)
      } catch (err) {
        if (!isNoScript(err)) throw unavailable(err, 'enqueue')
        try {
          res = await redis.eval(ENQUEUE.source, keys, args)
        } catch (err2) {
          throw unavailable(err2, 'enqueue')
        }
      }
      const [result] = enqueueResults(res)
      if (!result) throw new Error('enqueue: empty reply')
      return result
    },
    ping: async () => {
      try {
        return (await redis.ping()) === 'PONG'
      } catch {
        return false
      }
    },
  }
}
