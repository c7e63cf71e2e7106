import { backoffMs } from '@tweetbot/common/backoff'
import type { Logger } from '@tweetbot/common/log'
import { sleep } from '@tweetbot/common/sleep'
import { ModelServerError } from '../errors.ts'
import type { ModelClient } from './model-client.ts'

export interface OutageOptions {
  /** How long one predict keeps trying while tf-serving is away; then the job fails (and retries). */
  waitMs: number
  logger: Logger
  /** Called with false when tf-serving stops answering, true when it answers again (readiness). */
  onAvailability?: (up: boolean) => void
}

/** No answer, or an answer saying "not now": tf-serving restarting, overloaded or draining. */
const isOutage = (err: unknown) =>
  err instanceof ModelServerError && [0, 429, 502, 503, 504].includes(err.status)

/**
 * Rides out a tf-serving restart inside the job instead of spending the job's attempts: a
 * predict that finds tf-serving away retries with backoff (100 ms doubling to 2 s) for up to
 * `waitMs`, while the job stays held (its consumer's heartbeat goes on). Other errors, and an
 * outage longer than that, surface as they are.
 */
export const rideOutOutage = (client: ModelClient, opts: OutageOptions): ModelClient => {
  let down = false
  const mark = (up: boolean) => {
    if (down === !up) return
    down = !up
    if (up) opts.logger.info('tf-serving answers again')
    else opts.logger.warn('tf-serving unavailable; holding jobs', { waitMs: opts.waitMs })
    opts.onAvailability?.(up)
  }
  return {
    metadata: client.metadata,
    predict: async (pixels, input, signal) => {
      const deadline = Date.now() + opts.waitMs
      for (let attempt = 0; ; attempt++) {
        try {
          const scores = await client.predict(pixels, input, signal)
          mark(true)
          return scores
        } catch (err) {
          if (!isOutage(err) || signal?.aborted) throw err
          mark(false)
          const delay = backoffMs(attempt + 1, 100, 2_000, 0)
          if (Date.now() + delay > deadline) throw err
          await sleep(delay, signal)
          if (signal?.aborted) throw err
        }
      }
    },
  }
}
