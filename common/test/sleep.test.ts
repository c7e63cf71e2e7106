import { expect, test } from 'bun:test'
import { sleep } from '../src/sleep.ts'

test('waits the time asked when nothing aborts it', async () => {
  const t = performance.now()
  await sleep(60)
  expect(performance.now() - t).toBeGreaterThanOrEqual(55)
})

test('an abort ends the wait at once, and an already aborted signal does not wait at all', async () => {
  const stop = new AbortController()
  const t = performance.now()
  const waiting = sleep(60_000, stop.signal)
  setTimeout(() => stop.abort(), 20)
  await waiting
  await sleep(60_000, stop.signal)
  // Far below the 60 s asked: the abort, not the timer, ended both waits.
  expect(performance.now() - t).toBeLessThan(5_000)
})
