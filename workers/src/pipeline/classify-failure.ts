import { ApiRequestError, ApiResponseError } from 'twitter-api-v2'
import { MediaRejectedError, MediaUnavailableError, ModelServerError } from '../errors.ts'

/**
 * What to do with a failed job: `permanent` → dead list now (with the reason); `retry-later` →
 * retry after `delayMs` (X's rate-limit reset); `transient` → retry with the queue's backoff.
 * Every retry counts as an attempt, so nothing retries forever.
 */
export type Failure =
  | { kind: 'permanent'; reason: string }
  | { kind: 'retry-later'; reason: string; delayMs: number }
  | { kind: 'transient'; reason: string }

const MAX_WAIT_MS = 24 * 3600 * 1000

/** When X says to come back: the 24-hour cap's reset when that is what ran out. */
const rateLimitResetMs = (err: ApiResponseError): number | undefined => {
  const rl = err.rateLimit
  const window = rl?.userDay?.remaining === 0 ? rl.userDay : rl?.day?.remaining === 0 ? rl.day : rl
  if (window?.reset) return window.reset * 1000
  const header = Number(err.headers?.['x-rate-limit-reset'])
  return Number.isFinite(header) && header > 0 ? header * 1000 : undefined
}

export const classifyFailure = (err: unknown, now = Date.now()): Failure => {
  if (err instanceof MediaRejectedError) return { kind: 'permanent', reason: err.message }
  if (err instanceof MediaUnavailableError) return { kind: 'transient', reason: err.message }
  if (err instanceof ModelServerError) {
    // 4xx from tf-serving means our request is wrong for this model: retrying will not fix it.
    const permanent = err.status >= 400 && err.status < 500 && err.status !== 429
    return { kind: permanent ? 'permanent' : 'transient', reason: err.message }
  }
  if (err instanceof ApiResponseError) {
    const what = `X answered ${err.code}: ${err.message}`.slice(0, 300)
    if (err.code === 429 || err.code === 420) {
      const reset = rateLimitResetMs(err)
      const delayMs = Math.min(MAX_WAIT_MS, Math.max(1_000, (reset ?? now + 60_000) - now))
      return { kind: 'retry-later', reason: what, delayMs }
    }
    if (err.code >= 500) return { kind: 'transient', reason: what }
    // 400 bad request, 401/403 (blocked, not allowed to reply, auth), 404 deleted: will not change.
    return { kind: 'permanent', reason: what }
  }
  if (err instanceof ApiRequestError)
    return { kind: 'transient', reason: `X unreachable: ${err.message}` }
  return { kind: 'transient', reason: err instanceof Error ? err.message : String(err) }
}
