import { afterAll, describe, expect, test } from 'bun:test'
import { freePort, testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import {
  createRedisQueue,
  PermanentJobError,
  QueueUnavailableError,
  RetryLaterError,
} from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'
import { ENQUEUE, knownSha, MOVE_JOB, scriptSha } from '../../src/queue/scripts.ts'

const opened: { close(): Promise<void> }[] = []
const newQueue = (
  extra: Parameters<typeof createRedisQueue>[0] extends infer O ? Partial<O> : never = {},
) => {
  const q = createRedisQueue({ url: testRedisUrl(), prefix: uniquePrefix('q'), ...extra })
  opened.push(q)
  return q
}
const redis = new Bun.RedisClient(testRedisUrl())
afterAll(async () => {
  await Promise.all(opened.map((q) => q.close()))
  redis.close()
})

describe('redis queue', () => {
  test('enqueue, reserve and ack round trip', async () => {
    const q = newQueue()
    await q.heartbeat('chat', 'c1')
    expect(await q.enqueue('chat', 'ev-1', { hello: 'world' })).toBe('queued')
    expect((await q.stats()).chat.pending).toBe(1)
    const r = await q.reserve('chat', 'c1', 1)
    expect(r?.job).toMatchObject({
      eventId: 'ev-1',
      queue: 'chat',
      attempts: 0,
      payload: { hello: 'world' },
    })
    const s = await q.stats()
    expect(s.chat).toMatchObject({ pending: 0, processing: 1, delayed: 0, dead: 0, consumers: 1 })
    expect(await q.depths('chat')).toEqual(s.chat)
    expect(await q.depths('tweet')).toEqual({
      pending: 0,
      processing: 0,
      delayed: 0,
      dead: 0,
      consumers: 0,
    })
    expect(await q.ack(r!)).toBe(true)
    expect((await q.stats()).chat.processing).toBe(0)
    expect(await q.ack(r!)).toBe(false)
    expect(await q.reserve('chat', 'c1', 0.1)).toBeNull()
  })

  test('jobs come out in the order they went in, and queues are separate', async () => {
    const q = newQueue()
    for (const id of ['a', 'b', 'c']) await q.enqueue('tweet', id, id)
    await q.enqueue('chat', 'z', 'z')
    const got: string[] = []
    for (let i = 0; i < 3; i++) got.push((await q.reserve('tweet', 'c', 1))!.job.eventId)
    expect(got).toEqual(['a', 'b', 'c'])
    expect((await q.stats()).chat.pending).toBe(1)
  })

  test('a repeated event id is queued once', async () => {
    const q = newQueue()
    expect(await q.enqueue('chat', 'dup', 1)).toBe('queued')
    expect(await q.enqueue('chat', 'dup', 2)).toBe('duplicate')
    const results = await Promise.all(
      Array.from({ length: 20 }, () => q.enqueue('chat', 'race', 0)),
    )
    expect(results.filter((r) => r === 'queued')).toHaveLength(1)
    // The same id on the other queue is another event.
    expect(await q.enqueue('tweet', 'dup', 3)).toBe('queued')
    expect((await q.stats()).chat.pending).toBe(2)
    const ttl = await redis.send('TTL', [queueKeys(q.prefix, 'chat').seen('dup')])
    expect(ttl).toBeGreaterThan(86_000)
    // The event id is the dedupe key: an empty one is refused, never queued.
    await expect(q.enqueue('chat', '', 4)).rejects.toBeInstanceOf(TypeError)
    expect((await q.stats()).chat.pending).toBe(2)
  })

  test('fail retries with backoff through the delayed set, then buries after maxAttempts', async () => {
    const delays: number[] = []
    const q = newQueue({
      maxAttempts: 3,
      backoff: (attempt) => {
        delays.push(attempt)
        return 50 * attempt
      },
    })
    await q.enqueue('chat', 'flaky', { n: 1 })
    const outcomes: string[] = []
    for (let i = 0; i < 3; i++) {
      let r = await q.reserve('chat', 'c', 0.2)
      while (!r) {
        // Not due yet: the promoter moves it back only after its delay.
        await q.promote('chat')
        r = await q.reserve('chat', 'c', 0.2)
      }
      expect(r.job.attempts).toBe(i)
      if (i > 0) expect(r.job.lastError).toBe(`Error: boom ${i - 1}`)
      outcomes.push(await q.fail(r, new Error(`boom ${i}`)))
      if (i < 2) {
        const s = await q.stats()
        expect(s.chat).toMatchObject({ pending: 0, processing: 0, delayed: 1 })
      }
    }
    expect(outcomes).toEqual(['retried', 'retried', 'dead'])
    expect(delays).toEqual([1, 2])
    const dead = await q.listDead('chat')
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ eventId: 'flaky', attempts: 3, lastError: 'Error: boom 2' })
    expect(dead[0]?.failedAt).toBeGreaterThan(0)
    expect((await q.stats()).chat).toMatchObject({ pending: 0, processing: 0, delayed: 0, dead: 1 })
  })

  test('a delayed job is not promoted before it is due', async () => {
    const q = newQueue({ backoff: () => 60_000 })
    await q.enqueue('chat', 'later', null)
    await q.fail((await q.reserve('chat', 'c', 1))!, new Error('x'))
    expect(await q.promote('chat')).toBe(0)
    expect((await q.stats()).chat.delayed).toBe(1)
  })

  test('PermanentJobError buries at once; RetryLaterError sets the delay', async () => {
    const q = newQueue({ backoff: () => 0 })
    await q.enqueue('tweet', 'p', null)
    expect(await q.fail((await q.reserve('tweet', 'c', 1))!, new PermanentJobError('403'))).toBe(
      'dead',
    )
    expect((await q.listDead('tweet'))[0]).toMatchObject({
      attempts: 1,
      lastError: 'PermanentJobError: 403',
    })

    await q.enqueue('tweet', 'rl', null)
    const r = (await q.reserve('tweet', 'c', 1))!
    expect(await q.fail(r, new RetryLaterError('429', 3_600_000))).toBe('retried')
    const k = queueKeys(q.prefix, 'tweet')
    const withScores = (await redis.send('ZRANGE', [k.delayed, '0', '-1', 'WITHSCORES'])) as [
      string,
      number,
    ][]
    const score = withScores[0]?.[1]
    expect(Number(score) - Date.now()).toBeGreaterThan(3_500_000)
  })

  test('replayDead moves dead jobs back to pending with attempts reset', async () => {
    const q = newQueue({ maxAttempts: 1 })
    for (const id of ['d1', 'd2', 'd3']) {
      await q.enqueue('chat', id, id)
      await q.fail((await q.reserve('chat', 'c', 1))!, new Error('nope'))
    }
    expect((await q.stats()).chat.dead).toBe(3)
    expect(await q.replayDead('chat', 2)).toBe(2)
    expect((await q.stats()).chat).toMatchObject({ dead: 1, pending: 2 })
    const first = (await q.reserve('chat', 'c', 1))!
    expect(first.job).toMatchObject({ eventId: 'd1', attempts: 0, lastError: 'Error: nope' })
    expect(await q.replayDead('chat')).toBe(1)
    expect((await q.stats()).chat).toMatchObject({ dead: 0, pending: 2 })
  })

  test('handBack returns a job unchanged to the head of pending', async () => {
    const q = newQueue()
    await q.enqueue('chat', 'one', 1)
    await q.enqueue('chat', 'two', 2)
    const r = (await q.reserve('chat', 'c', 1))!
    expect(await q.handBack(r)).toBe(true)
    const again = (await q.reserve('chat', 'c', 1))!
    expect(again.job).toEqual(r.job)
    expect(again.job.attempts).toBe(0)
  })

  test('reap returns the jobs of a consumer whose heartbeat expired, once', async () => {
    const q = newQueue({ heartbeatTtlSec: 1 })
    for (let i = 0; i < 5; i++) await q.enqueue('chat', `e${i}`, i)
    await q.heartbeat('chat', 'dies')
    for (let i = 0; i < 5; i++) await q.reserve('chat', 'dies', 1)
    expect(await q.reap('chat')).toBe(0)
    await Bun.sleep(1_100)
    // Several reapers at once: each job moves exactly once.
    const moved = await Promise.all([q.reap('chat'), q.reap('chat'), q.reap('chat')])
    expect(moved.reduce((a, b) => a + b, 0)).toBe(5)
    const k = queueKeys(q.prefix, 'chat')
    const pending = (await redis.send('LRANGE', [k.pending, '0', '-1'])) as string[]
    expect(pending).toHaveLength(5)
    expect(new Set(pending).size).toBe(5)
    expect((await q.stats()).chat).toMatchObject({ processing: 0, consumers: 0 })
  })

  test('reserve counts the run in the stored job; the caller still sees the job as it was', async () => {
    const q = newQueue()
    await q.enqueue('chat', 'counted', { sizes: [] })
    const r = (await q.reserve('chat', 'c', 1))!
    expect(r.job).toMatchObject({ attempts: 0 })
    expect(r.job.crashes).toBeUndefined()
    const k = queueKeys(q.prefix, 'chat')
    const stored = (await redis.send('LRANGE', [k.processing('c'), '0', '-1'])) as string[]
    expect(stored).toEqual([r.raw])
    expect(JSON.parse(r.raw)).toMatchObject({
      eventId: 'counted',
      attempts: 1,
      crashes: 1,
      payload: { sizes: [] },
    })
    expect(JSON.parse(r.raw).lastError).toStartWith('worker died while holding it 1 time ')
    // A live failure replaces the crash record with the real error and keeps the count.
    expect(await q.fail(r, new Error('boom'))).toBe('retried')
    const delayed = (await redis.send('ZRANGE', [k.delayed, '0', '-1'])) as string[]
    expect(JSON.parse(delayed[0]!)).toMatchObject({ attempts: 1, lastError: 'Error: boom' })
    expect(JSON.parse(delayed[0]!).crashes).toBeUndefined()
  })

  test('jobs of a dead consumer: back to pending with the crash counted, or dead once their runs are used up', async () => {
    const q = newQueue({ heartbeatTtlSec: 1, maxAttempts: 2 })
    const k = queueKeys(q.prefix, 'chat')
    // A payload cjson would mangle if it re-encoded it: [] → {}, a 19-digit id as a number.
    const payload = { media: [], big: 1234567890123456789n.toString(), n: 1.5 }
    await q.enqueue('chat', 'crasher', payload)
    for (let run = 1; run <= 2; run++) {
      await q.heartbeat('chat', `dies-${run}`)
      expect((await q.reserve('chat', `dies-${run}`, 1))?.job.attempts).toBe(run - 1)
      await redis.send('DEL', [k.heartbeat(`dies-${run}`)])
      expect(await q.recover('chat')).toEqual(
        run === 1 ? { returned: 1, buried: 0 } : { returned: 0, buried: 1 },
      )
    }
    const dead = await q.listDead('chat')
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ eventId: 'crasher', attempts: 2, crashes: 2, payload })
    expect(dead[0]?.lastError).toStartWith('worker died while holding it 2 times')
    expect(dead[0]?.failedAt).toBeGreaterThan(Date.now() - 10_000)
    expect((await q.stats()).chat).toMatchObject({ pending: 0, processing: 0, dead: 1 })
    // A replay starts the count again.
    expect(await q.replayDead('chat')).toBe(1)
    const again = (await q.reserve('chat', 'ok', 1))!
    expect(again.job).toMatchObject({ attempts: 0, payload })
    expect(again.job.crashes).toBeUndefined()
  })

  test('a failure after crashes: the dead job keeps both counts', async () => {
    const q = newQueue({ maxAttempts: 2, backoff: () => 0 })
    const k = queueKeys(q.prefix, 'tweet')
    await q.enqueue('tweet', 'mixed', null)
    await q.heartbeat('tweet', 'dies')
    await q.reserve('tweet', 'dies', 1)
    await redis.send('DEL', [k.heartbeat('dies')])
    expect(await q.reap('tweet')).toBe(1)
    const r = (await q.reserve('tweet', 'lives', 1))!
    expect(r.job).toMatchObject({ attempts: 1, crashes: 1 })
    expect(await q.fail(r, new Error('X answered 500'))).toBe('dead')
    expect((await q.listDead('tweet'))[0]).toMatchObject({
      attempts: 2,
      crashes: 1,
      lastError: 'Error: X answered 500',
    })
  })

  test('purge empties one state and says how many', async () => {
    const q = newQueue()
    for (let i = 0; i < 4; i++) await q.enqueue('tweet', `p${i}`, i)
    expect(await q.purge('tweet', 'pending')).toBe(4)
    expect(await q.purge('tweet', 'pending')).toBe(0)
    expect((await q.stats()).tweet.pending).toBe(0)
  })

  test('an unreadable entry in pending is moved to dead, not lost', async () => {
    const q = newQueue()
    await redis.send('LPUSH', [queueKeys(q.prefix, 'chat').pending, 'not json'])
    expect(await q.reserve('chat', 'c', 1)).toBeNull()
    const dead = await q.listDead('chat')
    expect(dead[0]).toMatchObject({ payload: 'not json', lastError: 'not a job envelope' })
  })

  test('scripts run by the SHA Redis gives them (else every call would fall back to EVAL)', async () => {
    for (const script of [ENQUEUE, MOVE_JOB]) {
      const sha = await scriptSha(script)
      expect(sha).toBe(String(await redis.send('SCRIPT', ['LOAD', script.source])))
      expect(knownSha(script)).toBe(sha)
    }
  })

  test('with Redis unreachable, calls fail fast with QueueUnavailableError', async () => {
    const q = createRedisQueue({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'x' })
    opened.push(q)
    await expect(q.enqueue('chat', 'e', 1)).rejects.toBeInstanceOf(QueueUnavailableError)
    expect(await q.ping()).toBe(false)
    await expect(q.stats()).rejects.toBeInstanceOf(QueueUnavailableError)
  })
})
