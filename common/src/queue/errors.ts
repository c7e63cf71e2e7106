/**
 * Redis could not be reached (refused, closed, timed out, loading). The master maps it to 503 so
 * X retries the delivery later; consumers back off and try again.
 */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError'
}

/**
 * Thrown by a job handler for a failure that will not change on retry (e.g. X answered 403 or
 * 404): the job goes to the dead list at once instead of being retried.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError'
}

/**
 * Thrown by a job handler that knows when to try again (e.g. X's 429 with `x-rate-limit-reset`):
 * the retry waits `retryAfterMs` instead of the backoff. It still counts as an attempt, so a job
 * cannot bounce forever.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError'
  constructor(
    message: string,
    readonly retryAfterMs: number,
    opts?: ErrorOptions,
  ) {
    super(message, opts)
  }
}

/**
 * `lastError` of a job whose worker died while holding it, `times` times in all (its heartbeat
 * stopped: killed, out of memory, a native crash, or stalled past the heartbeat TTL).
 */
export const crashReason = (times: number): string =>
  `worker died while holding it ${times} time${times === 1 ? '' : 's'} ` +
  '(its heartbeat stopped: killed, out of memory, or stalled)'

/** The delay a `RetryLaterError` asks for, if a valid one. */
export const requestedDelayMs = (err: unknown): number | undefined => {
  if (!(err instanceof RetryLaterError)) return undefined
  const ms = err.retryAfterMs
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

/** A short, single-line description of an error for the job's `lastError`. */
export const describeError = (err: unknown): string => {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text
}
