import { afterAll, describe, expect, test } from 'bun:test'
import { testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { Registry } from 'prom-client'
import { z } from 'zod'
import { silentLogger } from '../../src/log.ts'
import {
  type Consumer,
  createConsumer,
  createRedisQueue,
  PermanentJobError,
  type RedisQueue,
  type RedisQueueOptions,
} from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'

const redis = new Bun.RedisClient(testRedisUrl())
const consumers: Consumer[] = []
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.close(0)))
  redis.close()
})

const newQueue = (extra: Partial<RedisQueueOptions> = {}) =>
  createRedisQueue({ url: testRedisUrl(), prefix: uniquePrefix('c'), ...extra })

const metricValue = async (registry: Registry, name: string, labels: Record<string, string>) => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  const hit = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  )
  return hit?.value ?? 0
}

const start = <T>(
  queue: RedisQueue,
  opts: Partial<Parameters<typeof createConsumer<T>>[0]> &
    Pick<Parameters<typeof createConsumer<T>>[0], 'handler'>,
) => {
  const c = createConsumer<T>({
    queue,
    name: 'chat',
    concurrency: 4,
    logger: silentLogger,
    pollTimeoutSec: 0.1,
    promoteIntervalMs: 50,
    ...opts,
  })
  consumers.push(c)
  return c
}

describe('consumer', () => {
  test('processes every job once, acks it and counts replied/skipped', async () => {
    const queue = newQueue()
    const registry = new Registry()
    const seen: number[] = []
    for (let i = 0; i < 50; i++) await queue.enqueue('chat', `e${i}`, { n: i })
    const c = start<{ n: number }>(queue, {
      registry,
      schema: z.object({ n: z.number() }),
      handler: async ({ n }, { job }) => {
        expect(job.eventId).toBe(`e${n}`)
        seen.push(n)
        return n % 5 === 0 ? 'skipped' : 'replied'
      },
    })
    await waitFor('50 jobs', () => seen.length === 50)
    await waitFor('acks', async () => (await queue.stats()).chat.processing === 0)
    expect(new Set(seen).size).toBe(50)
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'replied' })).toBe(40)
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'skipped' })).toBe(10)
    const text = await registry.metrics()
    expect(text).toContain('tweetbot_queue_depth{queue="chat",state="pending"} 0')
    expect(text).toContain('tweetbot_jobs_in_flight{queue="chat"} 0')
    await c.close()
  })

  test('a chat and a tweet consumer share one registry: both counted, both depths scraped', async () => {
    const queue = newQueue()
    const registry = new Registry()
    await queue.enqueue('chat', 'c', 1)
    await queue.enqueue('tweet', 't', 2)
    const done: string[] = []
    const handler = async (_p: unknown, { job }: { job: { queue: string } }) => {
      done.push(job.queue)
      return 'replied' as const
    }
    const chat = start(queue, { registry, closeQueue: false, handler })
    const tweet = start(queue, { registry, name: 'tweet', closeQueue: false, handler })
    await waitFor('both jobs', () => done.length === 2)
    await waitFor('acks', async () => {
      const s = await queue.stats()
      return s.chat.processing + s.tweet.processing === 0
    })
    for (const q of ['chat', 'tweet'])
      expect(
        await metricValue(registry, 'tweetbot_jobs_total', { queue: q, outcome: 'replied' }),
      ).toBe(1)
    // The depth gauge reads every watched queue on scrape, not only the first consumer's.
    const text = await registry.metrics()
    for (const q of ['chat', 'tweet'])
      expect(text).toContain(`tweetbot_queue_depth{queue="${q}",state="pending"} 0`)
    await tweet.close()
    await chat.close()
    await queue.close()
  })

  test('never runs more than `concurrency` jobs at once', async () => {
    const queue = newQueue()
    for (let i = 0; i < 30; i++) await queue.enqueue('chat', `e${i}`, i)
    let running = 0
    let peak = 0
    let done = 0
    const c = start(queue, {
      concurrency: 3,
      handler: async () => {
        peak = Math.max(peak, ++running)
        await Bun.sleep(15)
        running--
        done++
        return 'replied'
      },
    })
    await waitFor('30 jobs', () => done === 30)
    expect(peak).toBe(3)
    await c.close()
  })

  test('a payload that fails its schema is buried at once with the validation error', async () => {
    const queue = newQueue()
    const registry = new Registry()
    await queue.enqueue('chat', 'bad', { n: 'not a number' })
    let calls = 0
    const c = start<{ n: number }>(queue, {
      registry,
      schema: z.object({ n: z.number() }),
      handler: async () => {
        calls++
        return 'replied'
      },
    })
    await waitFor('burial', async () => (await queue.stats()).chat.dead === 1)
    const [dead] = await queue.listDead('chat')
    expect(dead?.lastError).toMatch(/invalid payload: n: .*number/i)
    expect(dead?.attempts).toBe(1)
    expect(calls).toBe(0)
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'dead' })).toBe(1)
    // The depth gauge reads the queue on scrape: the buried job shows as dead.
    expect(await metricValue(registry, 'tweetbot_queue_depth', { state: 'dead' })).toBe(1)
    const s = (await queue.stats()).chat
    expect(s).toMatchObject({ pending: 0, delayed: 0, processing: 0 })
    await c.close()
  })

  test('thrown errors retry with backoff, then bury; PermanentJobError buries at once', async () => {
    const queue = newQueue({ maxAttempts: 3, backoff: () => 20 })
    const registry = new Registry()
    await queue.enqueue('chat', 'flaky', 'flaky')
    await queue.enqueue('chat', 'gone', 'gone')
    const runs: Record<string, number> = {}
    const c = start<string>(queue, {
      registry,
      handler: async (p) => {
        runs[p] = (runs[p] ?? 0) + 1
        if (p === 'gone') throw new PermanentJobError('404 tweet deleted')
        throw new Error('tf-serving 503')
      },
    })
    await waitFor('both dead', async () => (await queue.stats()).chat.dead === 2)
    expect(runs).toEqual({ flaky: 3, gone: 1 })
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'retried' })).toBe(2)
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'dead' })).toBe(2)
    const dead = await queue.listDead('chat')
    expect(dead.find((j) => j.eventId === 'flaky')).toMatchObject({
      attempts: 3,
      lastError: 'Error: tf-serving 503',
    })
    await c.close()
  })

  test('close() waits for in-flight jobs within the grace period', async () => {
    const queue = newQueue()
    await queue.enqueue('chat', 'slow', 1)
    let finished = false
    let started = false
    const c = start(queue, {
      handler: async () => {
        started = true
        await Bun.sleep(200)
        finished = true
        return 'replied'
      },
    })
    await waitFor('start', () => started)
    await c.close(5_000)
    expect(finished).toBe(true)
    const check = newQueue({ prefix: queue.prefix })
    expect((await check.stats()).chat).toMatchObject({ pending: 0, processing: 0, consumers: 0 })
    await check.close()
  })

  test('close() past the grace period aborts and hands back unfinished jobs, not as an attempt', async () => {
    const queue = newQueue()
    const prefix = queue.prefix
    await queue.enqueue('chat', 'stuck', 1)
    let aborted = false
    let started = false
    const c = start(queue, {
      consumerId: 'stuck-consumer',
      handler: (_p, { signal }) =>
        new Promise((_, reject) => {
          started = true
          signal.addEventListener('abort', () => {
            aborted = true
            reject(signal.reason)
          })
        }),
    })
    await waitFor('start', () => started)
    await c.close(50)
    await c.close(50) // idempotent
    expect(aborted).toBe(true)
    const check = newQueue({ prefix })
    expect((await check.stats()).chat).toMatchObject({ pending: 1, processing: 0, delayed: 0 })
    const k = queueKeys(prefix, 'chat')
    expect(await redis.send('EXISTS', [k.heartbeat('stuck-consumer')])).toBe(0)
    const again = await check.reserve('chat', 'x', 1)
    expect(again?.job).toMatchObject({ eventId: 'stuck', attempts: 0 })
    await check.close()
  })

  test('a restarted consumer with the same id takes back what its previous run held', async () => {
    const queue = newQueue()
    await queue.enqueue('chat', 'orphan', 1)
    await queue.heartbeat('chat', 'pod-1')
    expect(await queue.reserve('chat', 'pod-1', 1)).not.toBeNull()
    const got: string[] = []
    const c = start(queue, {
      consumerId: 'pod-1',
      handler: async (_p, { job }) => {
        got.push(job.eventId)
        return 'replied'
      },
    })
    await waitFor('recovery', () => got.length === 1)
    expect(got).toEqual(['orphan'])
    await c.close()
  })

  test('close() interrupts a long blocking reserve; closeQueue: false leaves the queue usable', async () => {
    const queue = newQueue()
    const c = start(queue, {
      pollTimeoutSec: 60,
      closeQueue: false,
      handler: async () => 'replied',
    })
    await waitFor('registered', async () => (await queue.stats()).chat.consumers === 1)
    await c.close()
    expect(await queue.enqueue('chat', 'after', 1)).toBe('queued')
    expect((await queue.stats()).chat).toMatchObject({ pending: 1, consumers: 0 })
    await queue.close()
  }, 10_000)

  test("a running consumer's reaper recovers the jobs of a consumer that went silent", async () => {
    const queue = newQueue({ heartbeatTtlSec: 1 })
    for (let i = 0; i < 3; i++) await queue.enqueue('chat', `lost-${i}`, i)
    await queue.heartbeat('chat', 'silent')
    for (let i = 0; i < 3; i++) expect(await queue.reserve('chat', 'silent', 1)).not.toBeNull()
    const got: string[] = []
    const c = start(queue, {
      reapIntervalMs: 100,
      handler: async (_p, { job }) => {
        got.push(job.eventId)
        return 'replied'
      },
    })
    await waitFor('recovered jobs', () => got.length === 3)
    expect(got.sort()).toEqual(['lost-0', 'lost-1', 'lost-2'])
    await c.close()
  })

  test('a job whose runs were used up by dead consumers is buried by the reaper and counted dead', async () => {
    const queue = newQueue({ heartbeatTtlSec: 1, maxAttempts: 1 })
    const registry = new Registry()
    await queue.enqueue('chat', 'bomb', 1)
    await queue.heartbeat('chat', 'oom-killed')
    expect(await queue.reserve('chat', 'oom-killed', 1)).not.toBeNull()
    const got: string[] = []
    const c = start(queue, {
      registry,
      reapIntervalMs: 100,
      handler: async (_p, { job }) => {
        got.push(job.eventId)
        return 'replied'
      },
    })
    await waitFor('buried', async () => (await queue.stats()).chat.dead === 1)
    expect(await metricValue(registry, 'tweetbot_jobs_total', { outcome: 'dead' })).toBe(1)
    await Bun.sleep(300)
    expect(got).toEqual([])
    await c.close()
  })
})
