/**
 * Waits `ms`, or less when `signal` aborts first (then it resolves; the caller checks the signal).
 * Unlike `Bun.sleep`, an aborted wait leaves no timer behind, so a shutdown never sits out a
 * backoff that nobody is waiting for any more.
 */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })
