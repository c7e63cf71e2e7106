import { expect, test } from 'bun:test'
import { backoffMs } from '../src/backoff.ts'

test('doubles from the base per attempt, up to the cap', () => {
  expect([1, 2, 3, 4].map((n) => backoffMs(n, 100, 5_000, 0))).toEqual([100, 200, 400, 800])
  expect(backoffMs(10, 100, 5_000, 0)).toBe(5_000)
  // Attempt 0 or below is treated as the first.
  expect(backoffMs(0, 100, 5_000, 0)).toBe(100)
})

test('jitter only shortens a delay, by at most its share', () => {
  for (let i = 0; i < 200; i++) {
    const ms = backoffMs(3, 1_000, 60_000, 0.2)
    expect(ms).toBeLessThanOrEqual(4_000)
    expect(ms).toBeGreaterThanOrEqual(3_200)
  }
})
