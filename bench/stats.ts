/** Order statistics the bench scripts print (nearest rank, rounded down). */

/** The p-th percentile of an ascending list; undefined when it is empty. */
export const percentile = (sorted: readonly number[], p: number): number | undefined =>
  sorted.length === 0
    ? undefined
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/** The p-th percentile of values in any order (0 when there are none). */
export const percentileOf = (xs: readonly number[], p: number): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  ) ?? 0

export const median = (xs: readonly number[]): number => percentileOf(xs, 50)

/**
 * Keeps `concurrency` calls of `job` in flight for `seconds`: how many completed, how many
 * failed, and the seconds it really took.
 */
export const keepBusy = async (
  concurrency: number,
  seconds: number,
  job: () => Promise<unknown>,
): Promise<{ done: number; failed: number; seconds: number }> => {
  let done = 0
  let failed = 0
  const start = performance.now()
  const end = start + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          await job()
          done++
        } catch {
          failed++
        }
      }
    }),
  )
  return { done, failed, seconds: (performance.now() - start) / 1000 }
}
