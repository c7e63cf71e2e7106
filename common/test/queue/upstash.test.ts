import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRedisServer, testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from '@tweetbot/testing/upstash-rest-server'
import { Redis } from '@upstash/redis'
import {
  createRedisQueue,
  createUpstashProducer,
  QueueUnavailableError,
} from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'

let server: UpstashRestServer
const direct = new Bun.RedisClient(testRedisUrl())
const client = () => new Redis({ url: server.url, token: server.token, enableTelemetry: false })

beforeAll(async () => {
  server = await startUpstashRestServer({ redisUrl: testRedisUrl() })
})
afterAll(async () => {
  await server.stop()
  direct.close()
})

describe('Upstash REST endpoint', () => {
  test('refuses requests without the bearer token on every route', async () => {
    for (const path of ['/', '/pipeline', '/multi-exec']) {
      const res = await fetch(server.url + path, { method: 'POST', body: '["PING"]' })
      expect(res.status).toBe(401)
      const wrong = await fetch(server.url + path, {
        method: 'POST',
        body: '["PING"]',
        headers: { authorization: 'Bearer nope' },
      })
      expect(wrong.status).toBe(401)
    }
    const bad = new Redis({ url: server.url, token: 'wrong', enableTelemetry: false })
    await expect(bad.get('x')).rejects.toThrow()
  })

  test('@upstash/redis with default settings (base64, auto-pipelining) round-trips values', async () => {
    const redis = client()
    const key = uniquePrefix('up')
    expect(await redis.ping()).toBe('PONG')
    expect(await redis.set(key, 'héllo wörld ✓ 🌍')).toBe('OK')
    expect(await redis.get<string>(key)).toBe('héllo wörld ✓ 🌍')
    await redis.set(`${key}:ok`, 'OK')
    expect(await redis.get<string>(`${key}:ok`)).toBe('OK')
    // Several calls in one tick go out as one /pipeline request.
    const [a, b, c] = await Promise.all([
      redis.incr(`${key}:n`),
      redis.incr(`${key}:n`),
      redis.get(`${key}:none`),
    ])
    expect([a, b, c]).toEqual([1, 2, null])
    await redis.hset(`${key}:h`, { f: 'v', g: 'w' })
    expect(await redis.hgetall(`${key}:h`)).toEqual({ f: 'v', g: 'w' })
    expect(await redis.lpush(`${key}:l`, 'x', 'y')).toBe(2)
    expect(await redis.lrange(`${key}:l`, 0, -1)).toEqual(['y', 'x'])
  })

  test('string results are base64 on the wire when asked, except OK', async () => {
    const key = uniquePrefix('up')
    const call = (body: unknown, base64: boolean) =>
      fetch(server.url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: {
          authorization: `Bearer ${server.token}`,
          ...(base64 ? { 'upstash-encoding': 'base64' } : {}),
        },
      }).then((r) => r.json())
    expect(await call(['SET', key, 'ça'], true)).toEqual({ result: 'OK' })
    expect(await call(['GET', key], true)).toEqual({ result: Buffer.from('ça').toString('base64') })
    expect(await call(['GET', key], false)).toEqual({ result: 'ça' })
    expect(await call(['INCR', `${key}:n`], true)).toEqual({ result: 1 })
    const err = await fetch(server.url, {
      method: 'POST',
      body: '["NOPE"]',
      headers: { authorization: `Bearer ${server.token}` },
    })
    expect(err.status).toBe(400)
    expect(((await err.json()) as { error: string }).error).toMatch(/unknown command/)
  })

  test('pipeline and multi-exec, with per-command errors', async () => {
    const redis = client()
    const key = uniquePrefix('up')
    const p = redis.pipeline()
    p.set(key, 'text')
    p.incr(key)
    p.get(key)
    const piped = await p.exec({ keepErrors: true })
    expect(piped[0]?.result).toBe('OK')
    expect(piped[1]?.error).toMatch(/not an integer/)
    expect(piped[2]?.result).toBe('text')

    const tx = redis.multi()
    tx.incr(`${key}:c`)
    tx.incr(`${key}:c`)
    tx.get(`${key}:c`)
    expect(await tx.exec()).toEqual([1, 2, 2])
    expect(await direct.send('GET', [`${key}:c`])).toBe('2')
  })

  test('createUpstashProducer enqueues through the endpoint, dedupes, and workers can reserve it', async () => {
    const prefix = uniquePrefix('up')
    const producer = createUpstashProducer(client(), { prefix, dedupeTtlSec: 120 })
    expect(await producer.ping()).toBe(true)
    expect(await producer.enqueue('tweet', 'tw-1', { text: 'photo ✓' })).toBe('queued')
    expect(await producer.enqueue('tweet', 'tw-1', { text: 'again' })).toBe('duplicate')
    const parallel = await Promise.all(
      Array.from({ length: 10 }, () => producer.enqueue('tweet', 'tw-2', null)),
    )
    expect(parallel.filter((r) => r === 'queued')).toHaveLength(1)
    await expect(producer.enqueue('tweet', '', null)).rejects.toBeInstanceOf(TypeError)
    const k = queueKeys(prefix, 'tweet')
    expect(await direct.send('LLEN', [k.pending])).toBe(2)
    const ttl = Number(await direct.send('TTL', [k.seen('tw-1')]))
    expect(ttl).toBeGreaterThan(100)
    expect(ttl).toBeLessThanOrEqual(120)

    const q = createRedisQueue({ url: testRedisUrl(), prefix })
    const r = await q.reserve('tweet', 'w', 1)
    expect(r?.job).toMatchObject({ eventId: 'tw-1', queue: 'tweet', payload: { text: 'photo ✓' } })
    await q.close()
  })

  test('the producer also works when the script cache is empty (EVAL fallback)', async () => {
    // A fresh redis-server of our own, so flushing its scripts cannot disturb other tests.
    const own = await startRedisServer({ appendonly: false })
    const rest = await startUpstashRestServer({ redisUrl: own.url })
    try {
      const redis = new Redis({ url: rest.url, token: rest.token, enableTelemetry: false })
      const producer = createUpstashProducer(redis, { prefix: 'fb' })
      expect(await producer.enqueue('chat', 'x', 1)).toBe('queued')
      await redis.scriptFlush()
      expect(await producer.enqueue('chat', 'y', 2)).toBe('queued')
      expect(await producer.enqueue('chat', 'y', 2)).toBe('duplicate')
    } finally {
      await rest.stop()
      await own.destroy()
    }
  })

  test('an unreachable endpoint makes enqueue fail with QueueUnavailableError', async () => {
    const redis = new Redis({
      url: 'http://127.0.0.1:9',
      token: 't',
      retry: false,
      enableTelemetry: false,
    })
    const producer = createUpstashProducer(redis)
    await expect(producer.enqueue('chat', 'e', 1)).rejects.toBeInstanceOf(QueueUnavailableError)
    expect(await producer.ping()).toBe(false)
  })
})
