/**
 * Exponential backoff with jitter for the `attempt`-th failure (1-based): base, 2×base, 4×base …
 * capped at `capMs`, each reduced by up to `jitter` at random so a burst of failures spreads out.
 * The one backoff of the project: job retries, Redis reconnects, waiting for tf-serving.
 */
export const backoffMs = (attempt: number, baseMs = 1_000, capMs = 5 * 60_000, jitter = 0.2) => {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp * (1 - jitter * Math.random()))
}
