// The --grpc_max_threads bound on its own: order, release, and calls that go away while waiting.

import { expect, test } from 'bun:test'
import { EventEmitter } from 'node:events'
import { CallLimiter } from '../src/grpc/call-limiter.ts'

/** A stand-in for grpc-js's server call: the three members the limiter reads. */
class Call extends EventEmitter {
  cancelled = false
  constructor(readonly deadline: number = Number.POSITIVE_INFINITY) {
    super()
  }
  getDeadline() {
    return this.deadline
  }
  cancel() {
    this.cancelled = true
    this.emit('cancelled')
  }
}

test('at most `limit` run; the others start in arrival order as slots free', async () => {
  const limiter = new CallLimiter(2)
  const started: number[] = []
  const releases = await Promise.all([0, 1].map(() => limiter.acquire(new Call())))
  const waiting = [2, 3].map((i) =>
    limiter.acquire(new Call()).then((release) => {
      started.push(i)
      return release
    }),
  )
  expect([limiter.running, limiter.waiting]).toEqual([2, 2])
  releases[0]?.()
  const third = await waiting[0]
  expect(started).toEqual([2])
  releases[1]?.()
  releases[1]?.() // a second release changes nothing
  await waiting[1]
  expect(started).toEqual([2, 3])
  expect([limiter.running, limiter.waiting]).toEqual([2, 0])
  third?.()
  expect(limiter.running).toBe(1)
})

test('a call cancelled while waiting, or past its deadline when its turn comes, never runs', async () => {
  const limiter = new CallLimiter(1)
  const release = await limiter.acquire(new Call())
  const cancelled = new Call()
  const late = new Call(Date.now() + 5)
  const fine = new Call()
  const a = limiter.acquire(cancelled)
  const b = limiter.acquire(late)
  const c = limiter.acquire(fine)
  cancelled.cancel()
  expect(await a).toBeUndefined()
  expect(limiter.waiting).toBe(2)
  await Bun.sleep(10)
  release?.()
  expect(await b).toBeUndefined()
  const ran = await c
  expect(ran).toBeInstanceOf(Function)
  expect(limiter.running).toBe(1)
  expect(await limiter.acquire(Object.assign(new Call(), { cancelled: true }))).toBeUndefined()
})
