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
