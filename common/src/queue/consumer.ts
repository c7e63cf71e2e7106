import { hostname } from 'node:os'
import type { Registry } from 'prom-client'
import type { z } from 'zod'
import { backoffMs } from '../backoff.ts'
import type { Logger } from '../log.ts'
import { sleep } from '../sleep.ts'
import { QueueUnavailableError } from './errors.ts'
import { type JobOutcomeLabel, queueMetrics } from './metrics.ts'
import type { RedisQueue, TakenBack } from './redis-queue.ts'
import type { JobEnvelope, QueueName, Reserved } from './types.ts'

/** What a handler gets besides the payload. */
export interface JobContext {
  /** The stored envelope: id, eventId, attempts so far, lastError. */
  job: JobEnvelope
  /** Aborted when the consumer shuts down and the grace period is over: stop, the job is handed back. */
  signal: AbortSignal
  /** Logger with queue, consumer, jobId, eventId and attempt on every line. */
  logger: Logger
}

/**
 * Processes one job. Resolve 'replied' when the reply was sent, 'skipped' when there was
 * deliberately nothing to do; either acks the job. Throw to fail it: `PermanentJobError` buries
 * it at once, `RetryLaterError` retries after its delay, anything else retries with backoff until
 * the queue's `maxAttempts`.
 */
export type JobHandler<T> = (payload: T, ctx: JobContext) => Promise<'replied' | 'skipped'>

export interface ConsumerOptions<T> {
  /** The queue to consume (see `createRedisQueue`). */
  queue: RedisQueue
  /** Which queue: 'chat' or 'tweet'. */
  name: QueueName
  /** Unique among live processes; its processing list is recovered at start. @defaultValue `<host>-<pid>-<random>` */
  consumerId?: string
  /** Jobs processed at once. */
  concurrency: number
  handler: JobHandler<T>
  /** Checked before the handler; a payload that fails is buried at once, never retried. */
  schema?: z.ZodType<T>
  logger: Logger
  /** Where `tweetbot_jobs_total`, `tweetbot_jobs_in_flight` and `tweetbot_queue_depth` go. */
  registry?: Registry
  /** How long one reserve blocks; also the longest a stop waits for the loop. @defaultValue 1 */
  pollTimeoutSec?: number
  /** @defaultValue a third of the queue's heartbeatTtlSec */
  heartbeatIntervalMs?: number
  /** How often dead consumers' jobs are looked for. @defaultValue half the queue's heartbeatTtlSec */
  reapIntervalMs?: number
  /** How often due retries are moved back to pending. @defaultValue 1000 */
  promoteIntervalMs?: number
  /** Close the queue's connections on `close()` (false when the queue is shared). @defaultValue true */
  closeQueue?: boolean
}

/** A running consumer. It starts reserving as soon as it is created. */
export interface Consumer {
  readonly id: string
  /** Jobs being processed right now. */
  readonly inFlight: number
  /**
   * Stops reserving, waits up to `graceMs` for in-flight jobs, then aborts the rest (their
   * `signal`) and hands them back to pending unchanged (not counted as an attempt), drops the
   * heartbeat and closes connections. Idempotent: later calls return the same promise.
   */
  close(graceMs?: number): Promise<void>
}

const describeIssues = (error: z.ZodError) =>
  error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ')

/**
 * Runs `handler` over jobs of one queue with at most `concurrency` at a time (BullMQ-style
 * bounded loop over an in-flight set), keeps this consumer's heartbeat, reaps jobs of dead
 * consumers and promotes due retries. Every job ends in exactly one counted outcome.
 *
 * @example
 * const consumer = createConsumer({ queue, name: 'chat', concurrency: 8, schema: chatJobSchema,
 *   logger, registry, handler: async (job, { signal }) => (await replyToDm(job, signal), 'replied') })
 * installShutdown([{ name: 'consumer', run: () => consumer.close(20_000) }], { logger })
 */
export const createConsumer = <T>(opts: ConsumerOptions<T>): Consumer => {
  const { queue, name, concurrency, handler, schema } = opts
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error('createConsumer: concurrency must be a whole number >= 1')
  const id = opts.consumerId ?? `${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`
  const pollTimeoutSec = opts.pollTimeoutSec ?? 1
  const ttlMs = queue.heartbeatTtlSec * 1000
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? Math.max(100, Math.floor(ttlMs / 3))
  const reapIntervalMs = opts.reapIntervalMs ?? Math.max(100, Math.floor(ttlMs / 2))
  const promoteIntervalMs = opts.promoteIntervalMs ?? 1_000
  const logger = opts.logger.child({ queue: name, consumer: id })
  const metrics = opts.registry ? queueMetrics(opts.registry) : undefined
  const unwatch = metrics?.watchDepth({ queue, name })

  const stop = new AbortController()
  const stopped = new Promise<void>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve()),
  )
  const inFlight = new Set<Promise<void>>()
  const held = new Map<Reserved, AbortController>()
  const abandoned = new Set<Reserved>()
  const timers: ReturnType<typeof setInterval>[] = []

  const count = (outcome: JobOutcomeLabel) => metrics?.jobs.inc({ queue: name, outcome })

  // ack/fail must not be lost to a Redis outage: a job left in our processing list comes back
  // only when we stop (retire) or die (reaper), and while we live our heartbeat keeps the reaper
  // away, so giving up would strand the job for as long as this process runs. With `job`, keep
  // trying while Redis is unreachable (backoff capped at 5 s) until it answers or close() has
  // abandoned the job; any other error, or a call without `job`, gives up after a few tries.
  const persist = async <R>(
    what: string,
    fn: () => Promise<R>,
    job?: Reserved,
  ): Promise<R | undefined> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        const waitForRedis =
          job !== undefined &&
          err instanceof QueueUnavailableError &&
          !abandoned.has(job) &&
          (held.has(job) || !stop.signal.aborted)
        if (attempt >= 5 && !waitForRedis) {
          logger.error(`${what} failed; the job stays held until this consumer stops`, { err })
          return undefined
        }
        if (attempt === 5) logger.warn(`${what} waits for redis`, { err })
        await sleep(backoffMs(attempt + 1, 100, 5_000, 0))
      }
    }
  }

  const runJob = async (r: Reserved) => {
    const log = logger.child({
      jobId: r.job.id,
      eventId: r.job.eventId,
      attempt: r.job.attempts + 1,
    })
    let payload = r.job.payload as T
    if (schema) {
      const parsed = schema.safeParse(r.job.payload)
      if (!parsed.success) {
        const reason = `invalid payload: ${describeIssues(parsed.error)}`
        log.warn('job buried: payload fails its schema', { reason })
        await persist('bury', () => queue.bury(r, new Error(reason)), r)
        count('dead')
        return
      }
      payload = parsed.data
    }
    const ac = new AbortController()
    held.set(r, ac)
    try {
      const outcome = await handler(payload, { job: r.job, signal: ac.signal, logger: log })
      if (abandoned.has(r)) return
      await persist('ack', () => queue.ack(r), r)
      const label = outcome === 'skipped' ? 'skipped' : 'replied'
      count(label)
      log.debug('job done', { outcome: label })
    } catch (err) {
      if (abandoned.has(r)) return
      const result = await persist('fail', () => queue.fail(r, err), r)
      if (result) count(result)
      log[result === 'dead' ? 'error' : 'warn'](
        result === 'dead' ? 'job failed for good' : 'job failed; will retry',
        { err },
      )
    } finally {
      held.delete(r)
    }
  }

  const track = (r: Reserved) => {
    metrics?.inFlight.inc({ queue: name })
    const p: Promise<void> = runJob(r)
      .catch((err) => logger.error('job runner crashed', { err }))
      .finally(() => {
        inFlight.delete(p)
        metrics?.inFlight.dec({ queue: name })
      })
    inFlight.add(p)
  }

  const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
    let busy = false
    let failures = 0
    const t = setInterval(async () => {
      if (busy || stop.signal.aborted) return
      busy = true
      try {
        await fn()
        if (failures > 0) logger.info(`${what} works again`, { failures })
        failures = 0
      } catch (err) {
        // One line when an outage starts, then one every 30 failures, not one per tick.
        if (failures++ % 30 === 0) logger.warn(`${what} failed`, { err, failures })
      } finally {
        busy = false
      }
    }, ms)
    timers.push(t)
  }

  // Jobs taken back from a dead consumer whose runs are used up went to the dead list: one
  // `dead` outcome each (the runs that killed their worker had none).
  const countTakenBack = (taken: TakenBack, what: string) => {
    if (taken.returned > 0) logger.warn(`${what}: returned to pending`, { jobs: taken.returned })
    if (taken.buried === 0) return
    logger.error(`${what}: buried, their worker died while holding them too often`, {
      jobs: taken.buried,
    })
    for (let i = 0; i < taken.buried; i++) count('dead')
  }

  const start = async () => {
    // Same id as a previous, dead process (e.g. a pod name): take back what it held first.
    for (let attempt = 0; !stop.signal.aborted; attempt++) {
      try {
        countTakenBack(await queue.recover(name, id), 'jobs held by a previous run')
        await queue.heartbeat(name, id)
        return true
      } catch (err) {
        logger.warn('redis unavailable; waiting to start', { err })
        await sleep(backoffMs(attempt + 1, 200, 5_000, 0), stop.signal)
      }
    }
    return false
  }

  const loop = async () => {
    if (!(await start())) return
    every(heartbeatIntervalMs, 'heartbeat', () => queue.heartbeat(name, id))
    every(reapIntervalMs, 'reaper', async () => {
      countTakenBack(await queue.recover(name), 'jobs of dead consumers')
    })
    every(promoteIntervalMs, 'promoter', () => queue.promote(name))
    logger.info('consumer started', { concurrency })
    let failures = 0
    while (!stop.signal.aborted) {
      if (inFlight.size >= concurrency) {
        await Promise.race([...inFlight, stopped])
        continue
      }
      let r: Reserved | null
      try {
        r = await queue.reserve(name, id, pollTimeoutSec)
        failures = 0
      } catch (err) {
        if (stop.signal.aborted) break
        failures++
        if (failures === 1 || failures % 20 === 0)
          logger.warn('reserve failed; retrying', { err, failures })
        await sleep(backoffMs(failures + 1, 100, 5_000, 0), stop.signal)
        continue
      }
      if (r) track(r)
    }
  }

  const running = loop()
  let closing: Promise<void> | undefined

  return {
    id,
    get inFlight() {
      return inFlight.size
    },
    close: (graceMs = 10_000) => {
      closing ??= (async () => {
        const deadline = Date.now() + graceMs
        stop.abort()
        for (const t of timers) clearInterval(t)
        // Interrupts a reserve blocked in BLMOVE. Safe: a job moved just before is in our
        // processing list, and recover() below hands it back.
        await queue.release(id)
        await running
        const finished = Promise.allSettled([...inFlight]).then(() => true)
        const graceOver = new AbortController()
        const inTime = await Promise.race([
          finished,
          sleep(Math.max(0, deadline - Date.now()), graceOver.signal).then(() => false),
        ])
        graceOver.abort() // no timer left running for the rest of the grace period
        if (!inTime) {
          const late = [...held.keys()]
          logger.warn('grace period over; handing back unfinished jobs', { jobs: late.length })
          for (const r of late) {
            abandoned.add(r)
            held.get(r)?.abort(new Error('consumer shutting down'))
          }
          await Promise.all(late.map((r) => persist('hand back', () => queue.handBack(r))))
        }
        unwatch?.()
        // Drops the heartbeat and returns anything still in our processing list.
        await persist('retire', async () =>
          countTakenBack(await queue.recover(name, id), 'jobs still held at stop'),
        )
        if (opts.closeQueue ?? true) await queue.close()
        logger.info('consumer stopped', { handedBack: inTime ? 0 : abandoned.size })
      })()
      return closing
    },
  }
}
