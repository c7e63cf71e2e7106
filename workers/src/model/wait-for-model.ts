import { backoffMs } from '@tweetbot/common/backoff'
import type { Logger } from '@tweetbot/common/log'
import { sleep } from '@tweetbot/common/sleep'
import type { ModelClient } from './model-client.ts'
import type { ModelInput } from './parse-metadata.ts'

export interface WaitForModelOptions {
  logger: Logger
  signal?: AbortSignal
  /** First delay; doubles up to `maxDelayMs`. */
  baseDelayMs?: number
  maxDelayMs?: number
}

/**
 * Asks tf-serving for the model's metadata until it answers: at start-up tf-serving may still
 * be loading, and the worker must not take jobs before it knows the input size (`/readyz`
 * stays false meanwhile). Gives up only when `signal` aborts (shutdown).
 */
export const waitForModel = async (
  client: ModelClient,
  opts: WaitForModelOptions,
): Promise<ModelInput> => {
  const base = opts.baseDelayMs ?? 250
  const max = opts.maxDelayMs ?? 5_000
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted()
    try {
      const input = await client.metadata(opts.signal)
      opts.logger.info('model input learned', { ...input, attempt })
      return input
    } catch (err) {
      if (opts.signal?.aborted) throw err
      const delay = backoffMs(attempt, base, max, 0)
      opts.logger.warn('tf-serving not ready; retrying', {
        attempt,
        delayMs: delay,
        error: (err as Error).message,
      })
      await sleep(delay, opts.signal)
    }
  }
}
