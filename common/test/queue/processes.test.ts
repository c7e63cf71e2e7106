import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { startRedisServer, testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { silentLogger } from '../../src/log.ts'
import { runQueueCli } from '../../src/queue/cli.ts'
import {
  createConsumer,
  createRedisQueue,
  type JobHandler,
  QueueUnavailableError,
  type RedisQueue,
} from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'

const FIXTURE = join(import.meta.dir, 'fixtures', 'consumer-process.ts')
const children: Bun.Subprocess[] = []
const redis = new Bun.RedisClient(testRedisUrl())
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  redis.close()
})

/** Everything each spawned consumer printed so far. */
const outputOf = new Map<Bun.Subprocess, string>()

/** Spawns a consumer process and resolves once it has a heartbeat; keeps reading its stdout. */
const spawnConsumer = async (env: Record<string, string>) => {
  const child = Bun.spawn([process.execPath, FIXTURE], {
    env: { ...process.env, REDIS_URL: testRedisUrl(), ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  children.push(child)
  outputOf.set(child, '')
  const reading = (async () => {
    const reader = child.stdout.getReader()
    const decoder = new TextDecoder()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      outputOf.set(child, outputOf.get(child) + decoder.decode(value))
    }
  })()
  await waitFor('consumer ready', async () => {
    if (outputOf.get(child)!.includes('ready')) return true
    if (child.exitCode !== null) throw new Error(`consumer exited before ready (${child.exitCode})`)
    return false
  })
  void reading
  return child
}

const enqueueMany = async (
  q: ReturnType<typeof createRedisQueue>,
  ids: string[],
  chunk = 1_000,
) => {
  for (let i = 0; i < ids.length; i += chunk) {
    const res = await Promise.all(
      ids.slice(i, i + chunk).map((id) => q.enqueue('chat', id, { id })),
    )
    expect(res.every((r) => r === 'queued')).toBe(true)
  }
}

/** A consumer on `queue` that polls fast and logs nothing, for the restart tests. */
const quickConsumer = (
  queue: RedisQueue,
  name: 'chat' | 'tweet',
  concurrency: number,
  handler: JobHandler<unknown>,
) =>
  createConsumer<unknown>({
    queue,
    name,
    concurrency,
    logger: silentLogger,
    pollTimeoutSec: 0.1,
    handler,
  })

describe('queue across processes', () => {
  test('a consumer killed with SIGKILL while holding jobs: after its heartbeat expires all are pending again, once', async () => {
    const prefix = uniquePrefix('kill')
    const q = createRedisQueue({ url: testRedisUrl(), prefix })
    const reaper2 = createRedisQueue({ url: testRedisUrl(), prefix })
    const ids = Array.from({ length: 20 }, (_, i) => `ev-${i}`)
    await enqueueMany(q, ids)
    const child = await spawnConsumer({
      QUEUE_PREFIX: prefix,
      MODE: 'hold',
      CONCURRENCY: '8',
      HEARTBEAT_TTL_SEC: '1',
    })
    await waitFor('8 held jobs', async () => (await q.stats()).chat.processing === 8)
    expect((await q.stats()).chat.pending).toBe(12)
    child.kill('SIGKILL')
    await child.exited
    // Alive until the heartbeat expires: nothing may be taken from it before.
    const k = queueKeys(prefix, 'chat')
    const [consumer] = (await redis.send('SMEMBERS', [k.consumers])) as string[]
    expect(consumer).toBeDefined()
    await waitFor(
      'heartbeat expiry',
      async () => (await redis.send('EXISTS', [k.heartbeat(consumer!)])) === 0,
    )
    // Two reapers on separate connections at once.
    const moved = await Promise.all([q.reap('chat'), reaper2.reap('chat')])
    expect(moved[0] + moved[1]).toBe(8)
    const pending = (await redis.send('LRANGE', [k.pending, '0', '-1'])) as string[]
    const eventIds = pending.map((raw) => (JSON.parse(raw) as { eventId: string }).eventId)
    expect(eventIds.sort()).toEqual([...ids].sort())
    expect(new Set(pending).size).toBe(20)
    expect((await q.stats()).chat).toMatchObject({ pending: 20, processing: 0, consumers: 0 })
    await q.close()
    await reaper2.close()
  })

  test('10,000 jobs through 4 consumer processes with concurrency 8: each handled and acked exactly once', async () => {
    const prefix = uniquePrefix('10k')
    const q = createRedisQueue({ url: testRedisUrl(), prefix })
    const ids = Array.from({ length: 10_000 }, (_, i) => `job-${i}`)
    const procs = await Promise.all(
      Array.from({ length: 4 }, () =>
        spawnConsumer({ QUEUE_PREFIX: prefix, MODE: 'count', CONCURRENCY: '8' }),
      ),
    )
    await enqueueMany(q, ids)
    const handledKey = `${prefix}:test:handled`
    await waitFor(
      'all handled',
      async () => Number(await redis.send('HLEN', [handledKey])) === ids.length,
      60_000,
    )
    await waitFor('queue drained', async () => {
      const s = (await q.stats()).chat
      return s.pending === 0 && s.processing === 0
    })
    for (const p of procs) p.kill('SIGTERM')
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0])
    const counts = (await redis.send('HVALS', [handledKey])) as string[]
    expect(counts.filter((c) => c !== '1')).toEqual([])
    expect(counts).toHaveLength(10_000)
    expect((await q.stats()).chat).toMatchObject({
      pending: 0,
      processing: 0,
      delayed: 0,
      dead: 0,
      consumers: 0,
    })
    await q.close()
  }, 90_000)
})

describe('a job that kills its consumer every time (crash loop)', () => {
  // Finding 2 of issue 15: a worker OOM-killed by a job put it back with no attempt counted, so
  // it crash-looped the worker forever with attempts=0 and an empty dead list.
  const MAX_ATTEMPTS = 3
  // More rounds than the attempts allow, so a job that keeps coming back fails the test rather
  // than hanging it.
  const MAX_ROUNDS = MAX_ATTEMPTS + 3

  const crashLoop = async (consumerId?: string) => {
    const prefix = uniquePrefix('crashloop')
    const q = createRedisQueue({ url: testRedisUrl(), prefix, maxAttempts: MAX_ATTEMPTS })
    await q.enqueue('chat', 'poison', { photo: 'bomb.png', sizes: [] })
    const env = {
      QUEUE_PREFIX: prefix,
      MODE: 'hold',
      CONCURRENCY: '1',
      HEARTBEAT_TTL_SEC: '1',
      MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      ...(consumerId ? { CONSUMER_ID: consumerId } : {}),
    }
    let kills = 0
    // `attempts` as each run's handler saw it.
    const seen: number[] = []
    // The process that found the job buried instead of getting it.
    let survivor: Bun.Subprocess | undefined
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // Each new process takes the job back from the killed one: at start when it has the same
      // id, else through its reaper once the dead one's heartbeat expired.
      const child = await spawnConsumer(env)
      await waitFor(
        'the job held by the new process, or buried',
        async () => outputOf.get(child)!.includes('held') || (await q.depths('chat')).dead === 1,
      )
      const held = /held poison attempts=(\d+)/.exec(outputOf.get(child)!)
      if (!held) {
        survivor = child
        break
      }
      seen.push(Number(held[1]))
      child.kill('SIGKILL')
      await child.exited
      kills++
    }
    // Time for the survivor to reserve the job again, were it still in the queue.
    await Bun.sleep(1_500)
    const survivorHeld = survivor ? outputOf.get(survivor)!.includes('held') : undefined
    const depths = await q.depths('chat')
    const dead = await q.listDead('chat')
    survivor?.kill('SIGTERM')
    await survivor?.exited
    await q.close()
    return { prefix, kills, seen, survivorHeld, depths, dead }
  }

  const expectBuriedAfterMaxAttempts = (run: Awaited<ReturnType<typeof crashLoop>>) => {
    expect({ kills: run.kills, seen: run.seen, dead: run.dead.length }).toEqual({
      kills: MAX_ATTEMPTS,
      seen: [0, 1, 2],
      dead: 1,
    })
    expect(run.survivorHeld).toBe(false)
    expect(run.depths).toMatchObject({ pending: 0, processing: 0, delayed: 0, dead: 1 })
    expect(run.dead[0]).toMatchObject({
      eventId: 'poison',
      attempts: MAX_ATTEMPTS,
      crashes: MAX_ATTEMPTS,
      // The payload comes through untouched (Lua's cjson would turn [] into {}).
      payload: { photo: 'bomb.png', sizes: [] },
    })
    expect(run.dead[0]?.lastError).toStartWith(`worker died while holding it ${MAX_ATTEMPTS} times`)
    expect(run.dead[0]?.failedAt).toBeGreaterThan(Date.now() - 60_000)
  }

  test('new consumer ids (the reaper takes it back): dead after QUEUE_MAX_ATTEMPTS deaths, never held again', async () => {
    const run = await crashLoop()
    expectBuriedAfterMaxAttempts(run)
    // `bun run queue dead` shows it with the reason.
    const out: string[] = []
    const code = await runQueueCli(
      ['dead', 'chat'],
      { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: run.prefix },
      { out: (l) => out.push(l), err: (l) => out.push(l) },
    )
    expect(code).toBe(0)
    expect(out.join('\n')).toContain(`event poison`)
    expect(out.join('\n')).toContain(`attempts ${MAX_ATTEMPTS}`)
    expect(out.join('\n')).toContain(`worker died while holding it ${MAX_ATTEMPTS} times`)
  }, 60_000)

  test('the same consumer id after each restart (a pod name): dead after QUEUE_MAX_ATTEMPTS deaths', async () => {
    expectBuriedAfterMaxAttempts(await crashLoop('pod-0'))
  }, 60_000)
})

describe('Redis restarts', () => {
  test('jobs enqueued before a restart (AOF on, same data dir) are all reserved after it', async () => {
    const server = await startRedisServer({ appendonly: true })
    const q = createRedisQueue({ url: server.url, prefix: 'restart', connectTimeoutMs: 500 })
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `r-${i}`)
      await enqueueMany(q, ids)
      await server.stop()
      await expect(q.enqueue('chat', 'during', 1)).rejects.toBeInstanceOf(QueueUnavailableError)
      await expect(q.reserve('chat', 'c', 0.1)).rejects.toBeInstanceOf(QueueUnavailableError)
      await server.restart()
      // The same queue object reconnects on its next call.
      const got: string[] = []
      await q.heartbeat('chat', 'c')
      for (;;) {
        const r = await q.reserve('chat', 'c', 0.1)
        if (!r) break
        got.push(r.job.eventId)
        expect(await q.ack(r)).toBe(true)
      }
      expect(got).toEqual(ids)
      // Dedupe state survived as well.
      expect(await q.enqueue('chat', 'r-0', 1)).toBe('duplicate')
    } finally {
      await q.close()
      await server.destroy()
    }
  })

  test('a running consumer rides out a restart and loses nothing', async () => {
    const server = await startRedisServer({ appendonly: true })
    const q = createRedisQueue({ url: server.url, prefix: 'ride', connectTimeoutMs: 500 })
    const handled = new Map<string, number>()
    const consumer = quickConsumer(q, 'tweet', 4, async (_p, { job }) => {
      handled.set(job.eventId, (handled.get(job.eventId) ?? 0) + 1)
      return 'replied'
    })
    try {
      const producer = createRedisQueue({ url: server.url, prefix: 'ride' })
      for (let i = 0; i < 50; i++) await producer.enqueue('tweet', `a-${i}`, i)
      await waitFor('first batch', () => handled.size === 50)
      await server.restart()
      for (let i = 0; i < 50; i++) {
        for (;;) {
          try {
            await producer.enqueue('tweet', `b-${i}`, i)
            break
          } catch (err) {
            expect(err).toBeInstanceOf(QueueUnavailableError)
            await Bun.sleep(50)
          }
        }
      }
      await waitFor('second batch', () => handled.size === 100)
      await producer.close()
    } finally {
      await consumer.close(2_000)
      await server.destroy()
    }
    expect([...handled.values()].every((n) => n === 1)).toBe(true)
  })

  test('an ack or fail that falls in an outage longer than its quick retries is recorded once Redis is back', async () => {
    // A live consumer keeps its heartbeat, so the reaper never takes its jobs: an ack or fail it
    // gave up on would strand the job in its processing list for as long as the process runs.
    const server = await startRedisServer({ appendonly: true })
    const q = createRedisQueue({ url: server.url, prefix: 'outage', connectTimeoutMs: 500 })
    const handled = new Map<string, number>()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const consumer = quickConsumer(q, 'chat', 2, async (_p, { job }) => {
      handled.set(job.eventId, (handled.get(job.eventId) ?? 0) + 1)
      if (job.attempts === 0) await gate
      if (job.eventId === 'fails-once' && job.attempts === 0) throw new Error('transient')
      return 'replied'
    })
    const producer = createRedisQueue({ url: server.url, prefix: 'outage' })
    try {
      await producer.enqueue('chat', 'acks', 1)
      await producer.enqueue('chat', 'fails-once', 2)
      await waitFor('both jobs held', () => handled.size === 2)
      await server.stop()
      release()
      // Longer than the quick retries (100 ms doubling, 5 times: about 3 s).
      await Bun.sleep(5_000)
      await server.restart()
      await waitFor('retry of the failed job', () => handled.get('fails-once') === 2, 20_000)
      await waitFor('queue empty', async () => {
        const s = (await producer.stats()).chat
        return s.pending + s.processing + s.delayed + s.dead === 0
      })
      expect(handled.get('acks')).toBe(1)
    } finally {
      await producer.close()
      await consumer.close(2_000)
      await server.destroy()
    }
  }, 40_000)

  test('a hung server (SIGSTOP) makes calls fail with QueueUnavailableError instead of hanging', async () => {
    const server = await startRedisServer({ appendonly: false })
    const q = createRedisQueue({
      url: server.url,
      prefix: 'hang',
      commandTimeoutMs: 300,
      connectTimeoutMs: 300,
    })
    const info = new Bun.RedisClient(server.url)
    try {
      expect(await q.enqueue('chat', 'before', 1)).toBe('queued')
      const text = String(await info.send('INFO', ['server']))
      const pid = Number(/process_id:(\d+)/.exec(text)?.[1])
      expect(pid).toBeGreaterThan(0)
      process.kill(pid, 'SIGSTOP')
      try {
        await expect(q.enqueue('chat', 'during', 1)).rejects.toBeInstanceOf(QueueUnavailableError)
        // The next call gets a fresh connection, which cannot finish its handshake either.
        await expect(q.stats()).rejects.toBeInstanceOf(QueueUnavailableError)
        expect(await q.ping()).toBe(false)
      } finally {
        process.kill(pid, 'SIGCONT')
      }
      expect(await q.enqueue('chat', 'after', 1)).toBe('queued')
      expect(await q.ping()).toBe(true)
    } finally {
      info.close()
      await q.close()
      await server.destroy()
    }
  })
})
