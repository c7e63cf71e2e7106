import { PermanentJobError, RetryLaterError } from '@tweetbot/common/queue'
import { ApiRequestError, ApiResponseError } from 'twitter-api-v2'

/**
 * X's failures, translated from twitter-api-v2's errors at the edge of the X adapter, so the
 * pipeline never sees the library's classes. The class says what the queue does (see
 * ../errors.ts); `posted` says whether X may have posted a reply the call was sending.
 */

/**
 * X answered 4xx (not 429): blocked, not allowed to reply, bad request, deleted. Will not
 * change. The status is in the message ("X answered 403: …").
 */
export class XRefusedError extends PermanentJobError {
  override name = 'XRefusedError'
  readonly posted = false
}

/** X answered 429/420: try again once its rate-limit window resets. */
export class XRateLimitedError extends RetryLaterError {
  override name = 'XRateLimitedError'
  readonly posted = false
}

/** X answered 5xx: retry with backoff. */
export class XUnavailableError extends Error {
  override name = 'XUnavailableError'
  readonly posted = false
}

/**
 * No answer from X: a timeout or a dropped connection (`posted: 'maybe'`: the request may have
 * reached X, which may still post it), or a connection that never opened (`posted: false`).
 */
export class XNoAnswerError extends Error {
  override name = 'XNoAnswerError'
  constructor(
    message: string,
    readonly posted: 'maybe' | false,
    opts?: ErrorOptions,
  ) {
    super(message, opts)
  }
}

const MAX_WAIT_MS = 24 * 3600 * 1000
// Connection errors that mean the request never reached X.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])

/** When X says to come back: the 24-hour cap's reset when that is what ran out. */
const rateLimitResetMs = (err: ApiResponseError): number | undefined => {
  const rl = err.rateLimit
  const window = rl?.userDay?.remaining === 0 ? rl.userDay : rl?.day?.remaining === 0 ? rl.day : rl
  if (window?.reset) return window.reset * 1000
  const header = Number(err.headers?.['x-rate-limit-reset'])
  return Number.isFinite(header) && header > 0 ? header * 1000 : undefined
}

/**
 * The socket or timeout error behind an ApiRequestError. twitter-api-v2 1.29 builds the error
 * with `{ error }` but its `requestError` getter reads `requestError`, so the getter is always
 * undefined (dist/cjs/client-mixins/request-handler.helper.js, createRequestError); the cause is
 * only in the options it keeps.
 */
const requestCause = (err: ApiRequestError): Error | undefined => {
  const kept = (err as unknown as { _options?: { error?: unknown } })._options?.error
  const cause = err.requestError ?? kept
  return cause instanceof Error ? cause : undefined
}

/** twitter-api-v2's error (or anything else thrown by a call to X) as one of ours. */
export const translateXError = (err: unknown, now = Date.now()): Error => {
  if (err instanceof ApiResponseError) {
    const what = `X answered ${err.code}: ${err.message}`.slice(0, 300)
    if (err.code === 429 || err.code === 420) {
      const reset = rateLimitResetMs(err)
      const delayMs = Math.min(MAX_WAIT_MS, Math.max(1_000, (reset ?? now + 60_000) - now))
      return new XRateLimitedError(what, delayMs, { cause: err })
    }
    if (err.code >= 500) return new XUnavailableError(what, { cause: err })
    return new XRefusedError(what, { cause: err })
  }
  if (err instanceof ApiRequestError) {
    // twitter-api-v2 says "Request failed."; the cause ("Request timeout.", a socket error) says why.
    const cause = requestCause(err)
    const code = (cause as NodeJS.ErrnoException | undefined)?.code
    const posted = code && NOT_SENT_CODES.has(code) ? false : 'maybe'
    const why = cause?.message ?? err.message
    return new XNoAnswerError(`X unreachable: ${why}`, posted, { cause: err })
  }
  return err instanceof Error ? err : new Error(String(err))
}

/** Runs one call to X, translating its failure. */
export const callX = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call()
  } catch (err) {
    throw translateXError(err)
  }
}

/** True only when X surely did not post: it answered with an error, or was never reached. */
export const surelyNotPosted = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'posted' in err && err.posted === false
