import { backoffMs } from '../backoff.ts'
import { sleep } from '../sleep.ts'
import { type Connection, openConnection } from './connection.ts'
import { createEnqueueBatcher, enqueueRequest } from './enqueue-batcher.ts'
import { newEnvelope, parseEnvelope } from './envelope.ts'
import {
  crashReason,
  describeError,
  PermanentJobError,
  QueueUnavailableError,
  requestedDelayMs,
} from './errors.ts'
import { queueKeys } from './keys.ts'
import { CLAIM, MOVE_JOB, PROMOTE, REAP, RETRY } from './scripts.ts'
import {
  type JobEnvelope,
  QUEUE_NAMES,
  type QueueDepths,
  type QueueName,
  type QueueProducer,
  type Reserved,
} from './types.ts'

export interface RedisQueueOptions {
  /** `redis://` or `rediss://` URL. */
  url: string
  /** Prefix of every key. @defaultValue 'tweetbot' */
  prefix?: string
  /** How long an event id is remembered for dedupe. @defaultValue 86400 (24 h) */
  dedupeTtlSec?: number
  /**
   * Runs of a job before it goes to the dead list. A run counts when it is reserved, so runs
   * that kill their worker count as well as runs that fail. @defaultValue 5
   */
  maxAttempts?: number
  /** Delay before retry number `attempt` (1-based). @defaultValue {@link backoffMs} (1 s, 2 s, 4 s … ±20%) */
  backoff?: (attempt: number) => number
  /** TTL of a consumer's heartbeat key; a consumer silent this long is reaped. @defaultValue 30 */
  heartbeatTtlSec?: number
  /** Longest (re)connect before a call fails with QueueUnavailableError. @defaultValue 2000 */
  connectTimeoutMs?: number
  /** Longest non-blocking command before it fails with QueueUnavailableError. @defaultValue 5000 */
  commandTimeoutMs?: number
}

/** Jobs taken back from dead consumers: back to pending, or to the dead list (runs used up). */
export interface TakenBack {
  returned: number
  buried: number
}

/** States `purge` may empty (processing lists belong to live consumers; the reaper handles them). */
export type PurgeableState = 'pending' | 'delayed' | 'dead'

/**
 * The reliable queue over Bun's Redis client. Pending lists are FIFO (LPUSH, then BLMOVE from the
 * right); a reserved job sits in its consumer's processing list until ack, retry, bury or hand
 * back removes it. Every method throws `QueueUnavailableError` when Redis is unreachable.
 */
export interface RedisQueue extends QueueProducer {
  readonly prefix: string
  readonly maxAttempts: number
  readonly heartbeatTtlSec: number
  /**
   * Blocks up to `timeoutSec` (> 0, fractions allowed) for a job and moves it into `consumer`'s
   * processing list; null on timeout. Uses a connection of its own per consumer, so enqueue/ack
   * never wait behind it. Call `heartbeat` first: a consumer without one is reaped.
   * The run is counted here: the stored job gets attempts + 1 and, should this consumer die
   * holding it, its crash count and reason (`Reserved.job` stays the job as it was before).
   */
  reserve(queue: QueueName, consumer: string, timeoutSec: number): Promise<Reserved | null>
  /** Done: drop the job. False when it was no longer held (the reaper gave it to someone else). */
  ack(r: Reserved): Promise<boolean>
  /** Schedule another attempt in `delayMs` (attempts + 1, lastError kept). */
  retry(r: Reserved, error: unknown, delayMs: number): Promise<boolean>
  /** Give up: move to `{prefix}:dead:{queue}` with attempts + 1, lastError and failedAt. */
  bury(r: Reserved, error: unknown): Promise<boolean>
  /**
   * After a failed run: bury when `err` is a `PermanentJobError` or this was the last allowed
   * attempt, else retry after `err.retryAfterMs` (see `RetryLaterError`) or the backoff.
   */
  fail(r: Reserved, err: unknown): Promise<'retried' | 'dead'>
  /** Put an unfinished job back at the head of pending as it was before `reserve` (not counted as an attempt). */
  handBack(r: Reserved): Promise<boolean>
  /** Refresh `consumer`'s heartbeat (TTL `heartbeatTtlSec`) and register it on the queue. */
  heartbeat(queue: QueueName, consumer: string): Promise<void>
  /** Move delayed jobs that are due back to pending; returns how many. */
  promote(queue: QueueName, limit?: number): Promise<number>
  /**
   * Take back the jobs of every consumer whose heartbeat expired: to pending, or to the dead list
   * when their runs reached `maxAttempts`; returns how many in all.
   */
  reap(queue: QueueName): Promise<number>
  /**
   * Without `consumer`: `reap`. With it: drop that consumer's heartbeat and take back anything it
   * still holds, like the reaper (clean shutdown, or a restarted process with the id of a dead
   * one). Says how many jobs went back to pending and how many to the dead list.
   */
  recover(queue: QueueName, consumer?: string): Promise<TakenBack>
  /** Depths of one queue. */
  depths(queue: QueueName): Promise<QueueDepths>
  /** Depths of every queue. */
  stats(): Promise<Record<QueueName, QueueDepths>>
  /** Dead jobs, newest first. */
  listDead(queue: QueueName, limit?: number): Promise<JobEnvelope[]>
  /** Move the `n` oldest dead jobs (all when omitted) back to pending with attempts reset. */
  replayDead(queue: QueueName, n?: number): Promise<number>
  /** Empty one state of a queue; returns how many jobs were dropped. */
  purge(queue: QueueName, state: PurgeableState): Promise<number>
  /** Close the blocking connection `consumer` used for reserve (when the queue stays open). */
  release(consumer: string): Promise<void>
  /** Close every connection. Idempotent. */
  close(): Promise<void>
}

/** Creates the queue. Connects lazily: the first command opens the connection. */
export const createRedisQueue = (opts: RedisQueueOptions): RedisQueue => {
  const prefix = opts.prefix ?? 'tweetbot'
  const dedupeTtlSec = opts.dedupeTtlSec ?? 86_400
  const maxAttempts = opts.maxAttempts ?? 5
  const backoff = opts.backoff ?? ((attempt: number) => backoffMs(attempt))
  const heartbeatTtlSec = opts.heartbeatTtlSec ?? 30
  const connOpts = {
    connectTimeoutMs: opts.connectTimeoutMs ?? 2_000,
    commandTimeoutMs: opts.commandTimeoutMs ?? 5_000,
  }
  if (maxAttempts < 1) throw new Error('createRedisQueue: maxAttempts must be at least 1')
  if (heartbeatTtlSec <= 0) throw new Error('createRedisQueue: heartbeatTtlSec must be > 0')

  const main = openConnection(opts.url, connOpts)
  const enqueueBatched = createEnqueueBatcher(main, { dedupeTtlSec })
  // BLMOVE holds its connection while it waits: one connection per consumer id.
  const blocking = new Map<string, Connection>()
  const blockingFor = (consumer: string) => {
    let conn = blocking.get(consumer)
    if (!conn) {
      conn = openConnection(opts.url, connOpts)
      blocking.set(consumer, conn)
    }
    return conn
  }
  const keys = (queue: QueueName) => queueKeys(prefix, queue)
  // When each heartbeat (by its key) last succeeded (the time it was sent).
  const lastBeat = new Map<string, number>()
  let closed: Promise<void> | undefined

  /** A command whose reply is a list of strings (SMEMBERS, LRANGE). */
  const sendForList = async (cmd: string, args: string[]) => {
    const reply = await main.send(cmd, args)
    return Array.isArray(reply) ? (reply as string[]) : []
  }

  const rewrite = (r: Reserved, extra: Partial<JobEnvelope>) =>
    JSON.stringify({ ...r.job, ...extra })

  const bury = async (r: Reserved, error: unknown) => {
    const k = keys(r.job.queue)
    const dead = rewrite(r, {
      attempts: r.job.attempts + 1,
      lastError: describeError(error),
      failedAt: Date.now(),
    })
    const moved = await main.eval(MOVE_JOB, [k.processing(r.consumer), k.dead], [r.raw, dead, 'L'])
    return moved === 1
  }

  const retry = async (r: Reserved, error: unknown, delayMs: number) => {
    const k = keys(r.job.queue)
    const next = rewrite(r, { attempts: r.job.attempts + 1, lastError: describeError(error) })
    const delay = String(Math.max(0, Math.round(delayMs)))
    const moved = await main.eval(
      RETRY,
      [k.processing(r.consumer), k.delayed],
      [r.raw, next, delay],
    )
    return moved === 1
  }

  const reapOne = async (queue: QueueName, consumer: string): Promise<TakenBack> => {
    const k = keys(queue)
    const reply = await main.eval(
      REAP,
      [k.heartbeat(consumer), k.processing(consumer), k.pending, k.consumers, k.dead],
      [consumer, String(maxAttempts)],
    )
    if (!Array.isArray(reply)) return { returned: 0, buried: 0 }
    return { returned: Number(reply[0]), buried: Number(reply[1]) }
  }

  const recover = async (queue: QueueName, consumer?: string): Promise<TakenBack> => {
    if (consumer !== undefined) {
      const beatKey = keys(queue).heartbeat(consumer)
      lastBeat.delete(beatKey)
      await main.send('DEL', [beatKey])
      return await reapOne(queue, consumer)
    }
    const ids = await sendForList('SMEMBERS', [keys(queue).consumers])
    const all = await Promise.all(ids.map((c) => reapOne(queue, c)))
    return {
      returned: all.reduce((n, t) => n + t.returned, 0),
      buried: all.reduce((n, t) => n + t.buried, 0),
    }
  }

  // Counts the run in the stored job: attempts + 1, and what the reaper will find should this
  // consumer die holding it (crashes + 1 and the reason). Sent again while Redis is unavailable
  // (CLAIM is idempotent) so that the job is not left unclaimed in our list.
  const claim = async (processing: string, raw: string, job: JobEnvelope) => {
    const crashes = (job.crashes ?? 0) + 1
    const claimed = JSON.stringify({
      ...job,
      attempts: job.attempts + 1,
      crashes,
      lastError: crashReason(crashes),
    })
    for (let attempt = 0; ; attempt++) {
      try {
        const moved = await main.eval(CLAIM, [processing], [raw, claimed])
        return moved === 1 ? claimed : undefined
      } catch (err) {
        if (!(err instanceof QueueUnavailableError) || attempt >= 4) throw err
        await sleep(backoffMs(attempt + 1, 100, 1_600, 0))
      }
    }
  }

  const depths = async (queue: QueueName): Promise<QueueDepths> => {
    const k = keys(queue)
    const [pending, delayed, dead, ids] = await Promise.all([
      main.send('LLEN', [k.pending]),
      main.send('ZCARD', [k.delayed]),
      main.send('LLEN', [k.dead]),
      sendForList('SMEMBERS', [k.consumers]),
    ])
    const held = await Promise.all(ids.map((c) => main.send('LLEN', [k.processing(c)])))
    return {
      pending: Number(pending),
      processing: held.reduce<number>((sum, n) => sum + Number(n), 0),
      delayed: Number(delayed),
      dead: Number(dead),
      consumers: ids.length,
    }
  }

  return {
    prefix,
    maxAttempts,
    heartbeatTtlSec,

    enqueue: async (queue, eventId, payload) =>
      enqueueBatched(enqueueRequest(prefix, queue, eventId, payload)),

    ping: async () => {
      try {
        return (await main.send('PING', [])) === 'PONG'
      } catch {
        return false
      }
    },

    reserve: async (queue, consumer, timeoutSec) => {
      if (!(timeoutSec > 0)) throw new RangeError('reserve: timeoutSec must be > 0')
      const k = keys(queue)
      const conn = blockingFor(consumer)
      // The reaper finds processing lists through the consumers set, so this consumer must be in
      // it before BLMOVE can give it a job. A heartbeat sent less than half a TTL ago proves it is
      // (heartbeat adds it; the reaper removes only consumers whose heartbeat expired). Otherwise
      // register again, on the same connection and first, so it lands before the move.
      const beat = lastBeat.get(k.heartbeat(consumer))
      const registered = beat !== undefined && Date.now() - beat < (heartbeatTtlSec * 1000) / 2
      const register = registered ? undefined : conn.send('SADD', [k.consumers, consumer])
      const move = conn.send(
        'BLMOVE',
        [k.pending, k.processing(consumer), 'RIGHT', 'LEFT', String(timeoutSec)],
        timeoutSec * 1000,
      )
      // Registering is best effort once sent: a job BLMOVE handed us must not be dropped
      // because SADD failed; the next heartbeat registers again.
      const registering = register?.catch(() => undefined)
      const raw = await move
      await registering
      if (typeof raw !== 'string') return null
      const parsed = parseEnvelope(raw)
      if (parsed) {
        // `queue` is where the job really is; ack and retry find it by that.
        const job = { ...parsed, queue }
        const claimed = await claim(k.processing(consumer), raw, job)
        // Gone from our list: the reaper took it (our heartbeat had lapsed) and it is elsewhere.
        if (claimed === undefined) return null
        return { job, raw: claimed, consumer }
      }
      // Not a job envelope (written by hand or by an old version): dead at once, never lost.
      const wrapped = JSON.stringify({
        ...newEnvelope(queue, '', raw),
        attempts: 1,
        lastError: 'not a job envelope',
        failedAt: Date.now(),
      })
      await main.eval(MOVE_JOB, [k.processing(consumer), k.dead], [raw, wrapped, 'L'])
      return null
    },

    ack: async (r) => {
      const removed = await main.send('LREM', [
        keys(r.job.queue).processing(r.consumer),
        '1',
        r.raw,
      ])
      return removed === 1
    },

    retry,
    bury,

    fail: async (r, err) => {
      if (err instanceof PermanentJobError || r.job.attempts + 1 >= maxAttempts) {
        await bury(r, err)
        return 'dead'
      }
      await retry(r, err, requestedDelayMs(err) ?? backoff(r.job.attempts + 1))
      return 'retried'
    },

    handBack: async (r) => {
      const k = keys(r.job.queue)
      const moved = await main.eval(
        MOVE_JOB,
        [k.processing(r.consumer), k.pending],
        [r.raw, JSON.stringify(r.job), 'R'],
      )
      return moved === 1
    },

    heartbeat: async (queue, consumer) => {
      const k = keys(queue)
      const sentAt = Date.now()
      await Promise.all([
        main.send('SET', [k.heartbeat(consumer), String(sentAt), 'EX', String(heartbeatTtlSec)]),
        main.send('SADD', [k.consumers, consumer]),
      ])
      lastBeat.set(k.heartbeat(consumer), sentAt)
    },

    promote: async (queue, limit = 1000) => {
      const k = keys(queue)
      return Number(await main.eval(PROMOTE, [k.delayed, k.pending], [String(limit)]))
    },

    reap: async (queue) => {
      const { returned, buried } = await recover(queue)
      return returned + buried
    },

    recover,

    depths,

    stats: async () => {
      const all = await Promise.all(QUEUE_NAMES.map(depths))
      return Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, all[i]])) as Record<
        QueueName,
        QueueDepths
      >
    },

    listDead: async (queue, limit = 100) => {
      const raws = await sendForList('LRANGE', [keys(queue).dead, '0', String(limit - 1)])
      return raws.map(parseEnvelope).filter((j): j is JobEnvelope => j !== undefined)
    },

    replayDead: async (queue, n) => {
      if (n !== undefined && n <= 0) return 0
      const k = keys(queue)
      const start = n === undefined ? '0' : String(-n)
      const raws = await sendForList('LRANGE', [k.dead, start, '-1'])
      let moved = 0
      // The right end holds the oldest: replay oldest first so they keep their order.
      for (const raw of raws.reverse()) {
        const job = parseEnvelope(raw)
        const fresh = job
          ? JSON.stringify({ ...job, attempts: 0, crashes: undefined, failedAt: undefined })
          : raw
        if ((await main.eval(MOVE_JOB, [k.dead, k.pending], [raw, fresh, 'L'])) === 1) moved++
      }
      return moved
    },

    purge: async (queue, state) => {
      const k = keys(queue)
      const key = state === 'pending' ? k.pending : state === 'delayed' ? k.delayed : k.dead
      // RENAME takes the whole key away in one step, so the count is exact under concurrency.
      const doomed = `${key}:purging:${crypto.randomUUID()}`
      try {
        await main.send('RENAME', [key, doomed])
      } catch (err) {
        if (err instanceof Error && /no such key/i.test(err.message)) return 0
        throw err
      }
      const n = await main.send(state === 'delayed' ? 'ZCARD' : 'LLEN', [doomed])
      await main.send('UNLINK', [doomed])
      return Number(n)
    },

    release: async (consumer) => {
      blocking.get(consumer)?.close()
      blocking.delete(consumer)
    },

    close: () => {
      closed ??= (async () => {
        main.close()
        for (const conn of blocking.values()) conn.close()
        blocking.clear()
      })()
      return closed
    },
  }
}
