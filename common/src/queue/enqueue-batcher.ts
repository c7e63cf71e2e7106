import type { Connection } from './connection.ts'
import { newEnvelope } from './envelope.ts'
import { queueKeys } from './keys.ts'
import { ENQUEUE } from './scripts.ts'
import type { QueueName } from './types.ts'

export interface EnqueueRequest {
  seenKey: string
  pendingKey: string
  /** The job envelope, serialised. */
  envelope: string
}

export type EnqueueResult = 'queued' | 'duplicate'

/** What ENQUEUE needs to queue one event; refuses an empty event id (it is the dedupe key). */
export const enqueueRequest = (
  prefix: string,
  queue: QueueName,
  eventId: string,
  payload: unknown,
): EnqueueRequest => {
  if (!eventId) throw new TypeError('enqueue: eventId must not be empty')
  const k = queueKeys(prefix, queue)
  return {
    seenKey: k.seen(eventId),
    pendingKey: k.pending,
    envelope: JSON.stringify(newEnvelope(queue, eventId, payload)),
  }
}

/**
 * KEYS and ARGV of one ENQUEUE call for `batch`, in the layout its header gives; every transport
 * builds its call here, so they all write the same keys and jobs.
 */
export const enqueueCall = (dedupeTtlSec: number, batch: readonly EnqueueRequest[]) => {
  const keys: string[] = []
  const args = [String(dedupeTtlSec)]
  for (const r of batch) {
    keys.push(r.seenKey, r.pendingKey)
    args.push(r.envelope)
  }
  return { keys, args }
}

/** ENQUEUE's reply as one result per event of the call. */
export const enqueueResults = (reply: unknown): EnqueueResult[] => {
  if (!Array.isArray(reply)) throw new Error(`enqueue: unexpected reply ${String(reply)}`)
  return reply.map((n) => (Number(n) === 1 ? 'queued' : 'duplicate'))
}

interface Waiter<T, R> {
  item: T
  resolve: (r: R) => void
  reject: (err: unknown) => void
}

/**
 * Coalesces single calls into batch calls without adding delay: while no batch is in flight a
 * call goes out at the end of the current microtask run (alone, or with the calls made in the
 * same synchronous step); calls made while one is in flight wait for it and then go out together,
 * at most `maxBatch` per batch. A rejected batch rejects each of its callers.
 */
export const createBatcher = <T, R>(
  runBatch: (items: T[]) => Promise<R[]>,
  maxBatch: number,
): ((item: T) => Promise<R>) => {
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1)
    throw new RangeError(`createBatcher: maxBatch must be a positive integer, got ${maxBatch}`)
  const queued: Waiter<T, R>[] = []
  let inFlight = false

  const flush = () => {
    if (inFlight || queued.length === 0) return
    const batch = queued.splice(0, maxBatch)
    inFlight = true
    settle(batch).finally(() => {
      inFlight = false
      flush()
    })
  }

  const settle = async (batch: Waiter<T, R>[]) => {
    try {
      const results = await runBatch(batch.map((w) => w.item))
      if (results.length !== batch.length)
        throw new Error(`batch of ${batch.length} answered with ${results.length} results`)
      for (const [i, w] of batch.entries()) w.resolve(results[i] as R)
    } catch (err) {
      for (const w of batch) w.reject(err)
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      // Waiting calls while nothing is in flight means a flush is already scheduled: the
      // first of them scheduled it, and a finished batch flushes what waited for it at once.
      if (queued.push({ item, resolve, reject }) === 1 && !inFlight) queueMicrotask(flush)
    })
}

/**
 * Enqueue through one ENQUEUE script call per batch. The master makes one enqueue per webhook
 * event; under load many arrive while Redis answers the previous call, and one round trip per
 * batch costs both our process and Redis a fraction of one per event. A script call is atomic,
 * so when it fails every caller in the batch gets the error and none of their events was written.
 */
export const createEnqueueBatcher = (
  conn: Connection,
  opts: { dedupeTtlSec: number; maxBatch?: number },
) => {
  return createBatcher<EnqueueRequest, EnqueueResult>(async (batch) => {
    const { keys, args } = enqueueCall(opts.dedupeTtlSec, batch)
    return enqueueResults(await conn.eval(ENQUEUE, keys, args))
  }, opts.maxBatch ?? 128)
}
