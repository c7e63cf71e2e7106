import { type FakeXApi, REPLY_PATH, type RecordedRequest } from '@tweetbot/testing/fake-x-api'

/**
 * Misbehaviours of X, built only from the fake X API's public rules. Each phase lasts until
 * `clear()`: every reply request arriving meanwhile gets the phase's answer.
 */
export interface XFaults {
  /** 429 with `x-rate-limit-reset` at `resetAtMs` (what X sends when a window ran out). */
  rateLimited(resetAtMs: number): void
  /** 500 Internal Server Error. */
  serverErrors(): void
  /** Every reply answered (posted) after `delayMs`: a slow X, so requests are in flight. */
  slow(delayMs: number): void
  /** No answer for `hangMs` (past the worker's timeout), then X posts it after all (201). */
  timeouts(hangMs: number): void
  clear(): void
  /** Requests answered only after they hung: the worker saw a timeout, X posted anyway. */
  late: Set<RecordedRequest>
}

export const xFaults = (x: FakeXApi): XFaults => {
  const late = new Set<RecordedRequest>()
  const always = { method: 'POST', path: REPLY_PATH, times: Number.POSITIVE_INFINITY }
  return {
    late,
    rateLimited: (resetAtMs) =>
      x.respondWith({
        ...always,
        respond: () =>
          Response.json(
            {
              title: 'Too Many Requests',
              detail: 'Too Many Requests',
              type: 'about:blank',
              status: 429,
            },
            {
              status: 429,
              headers: {
                'x-rate-limit-limit': '100',
                'x-rate-limit-remaining': '0',
                'x-rate-limit-reset': String(Math.ceil(resetAtMs / 1000)),
              },
            },
          ),
      }),
    serverErrors: () =>
      x.respondWith({
        ...always,
        status: 500,
        body: { title: 'Internal Server Error', detail: 'chaos', status: 500 },
      }),
    slow: (delayMs) =>
      x.respondWith({
        ...always,
        delayMs,
        respond: (_req, asUsual) => asUsual(),
      }),
    timeouts: (hangMs) =>
      x.respondWith({
        ...always,
        respond: async (req, asUsual) => {
          await Bun.sleep(hangMs)
          late.add(req)
          return asUsual()
        },
      }),
    clear: () => x.clearRules(),
  }
}
