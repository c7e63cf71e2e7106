import { afterAll, describe, expect, test } from 'bun:test'
import { freePort, testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { createBatcher } from '../../src/queue/enqueue-batcher.ts'
import { createRedisQueue, QueueUnavailableError } from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'

/** A batch function whose calls the test answers by hand. */
const manualBatches = () => {
  const calls: { items: number[]; answer: (r: string[]) => void; fail: (e: unknown) => void }[] = []
  const run = (items: number[]) =>
    new Promise<string[]>((answer, fail) => {
      calls.push({ items, answer, fail })
    })
  return { calls, run }
}
const settle = () => new Promise((r) => setTimeout(r, 0))

describe('createBatcher', () => {
  test('a lone call goes out at once; calls made while it is in flight go out together', async () => {
    const { calls, run } = manualBatches()
    const add = createBatcher(run, 100)
    const first = add(1)
    await settle()
    expect(calls.map((c) => c.items)).toEqual([[1]])
    const later = [add(2), add(3), add(4)]
    await settle()
    expect(calls).toHaveLength(1)
    calls[0]?.answer(['one'])
    expect(await first).toBe('one')
    await settle()
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]])
    calls[1]?.answer(['two', 'three', 'four'])
    expect(await Promise.all(later)).toEqual(['two', 'three', 'four'])
  })

  test('calls made in one synchronous step share the first batch', async () => {
    const { calls, run } = manualBatches()
    const add = createBatcher(run, 100)
    const all = Promise.all([add(1), add(2)])
    await settle()
    expect(calls.map((c) => c.items)).toEqual([[1, 2]])
    calls[0]?.answer(['a', 'b'])
    expect(await all).toEqual(['a', 'b'])
  })

  test('batches hold at most maxBatch items, in call order', async () => {
    const { calls, run } = manualBatches()
    const add = createBatcher(run, 2)
    const all = Promise.all([1, 2, 3, 4, 5].map(add))
    for (let i = 0; i < 3; i++) {
      await settle()
      const c = calls[i]
      c?.answer(c.items.map(String))
    }
    expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]])
    expect(await all).toEqual(['1', '2', '3', '4', '5'])
  })

  test('a failed batch rejects each of its callers and the next batch still runs', async () => {
    const { calls, run } = manualBatches()
    const add = createBatcher(run, 100)
    const a = add(1)
    await settle()
    const b = add(2)
    calls[0]?.fail(new Error('down'))
    await expect(a).rejects.toThrow('down')
    await settle()
    calls[1]?.answer(['ok'])
    expect(await b).toBe('ok')
  })

  test('a batch answered with the wrong number of results rejects its callers', async () => {
    const add = createBatcher(async () => ['only one'], 10)
    const all = Promise.allSettled([add(1), add(2)])
    expect((await all).map((r) => r.status)).toEqual(['rejected', 'rejected'])
  })

  test('a batch function that throws synchronously rejects its callers', async () => {
    const add = createBatcher<number, number>(() => {
      throw new Error('sync')
    }, 10)
    await expect(add(1)).rejects.toThrow('sync')
  })

  test('maxBatch must be a positive integer', () => {
    expect(() => createBatcher(async () => [], 0)).toThrow(/maxBatch/)
  })
})

describe('batched enqueue on Redis', () => {
  const queues: { close(): Promise<void> }[] = []
  afterAll(() => Promise.all(queues.map((q) => q.close())))

  test('500 concurrent enqueues with repeated ids: each id queued once, in call order, in a few script calls', async () => {
    const q = createRedisQueue({ url: testRedisUrl(), prefix: uniquePrefix('batch') })
    queues.push(q)
    const redis = new Bun.RedisClient(testRedisUrl())
    // Script calls Redis has run so far (EVALSHA, plus EVAL when a script was not cached yet).
    const scriptCalls = async () => {
      const info = String(await redis.send('INFO', ['commandstats']))
      const calls = [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)]
      return calls.reduce((sum, m) => sum + Number(m[1]), 0)
    }
    const before = await scriptCalls()
    const ids = Array.from({ length: 500 }, (_, i) => `ev-${i % 400}`)
    const results = await Promise.all(ids.map((id, i) => q.enqueue('chat', id, { i })))
    expect(results.slice(0, 400).every((r) => r === 'queued')).toBe(true)
    expect(results.slice(400).every((r) => r === 'duplicate')).toBe(true)
    // Batches of at most 128: four calls (one more if the script had to be loaded).
    expect((await scriptCalls()) - before).toBeLessThanOrEqual(5)
    const pending = (await redis.send('LRANGE', [
      queueKeys(q.prefix, 'chat').pending,
      '0',
      '-1',
    ])) as string[]
    redis.close()
    // LPUSH: newest at the head, so reversed the list is the order of the calls.
    const order = pending.reverse().map((raw) => JSON.parse(raw).payload.i)
    expect(order).toEqual(Array.from({ length: 400 }, (_, i) => i))
  })

  test('with Redis unreachable every caller in the batch gets QueueUnavailableError', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const q = createRedisQueue({ url, prefix: uniquePrefix('down'), connectTimeoutMs: 300 })
    queues.push(q)
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => q.enqueue('chat', `e${i}`, i)),
    )
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QueueUnavailableError)
    }
  })
})
