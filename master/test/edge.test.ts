import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { createLogger } from '@tweetbot/common/log'
import { queueKeys } from '@tweetbot/common/queue'
import { testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from '@tweetbot/testing/upstash-rest-server'
import edgeEntry, { createEdgeMaster } from '../src/edge.ts'
import { createInMemoryMasterMetrics } from '../src/metrics/in-memory.ts'
import { fixtureText } from './fixtures/index.ts'
import { FIXTURE_MAX_AGE_SEC, SECRET, sign } from './helpers.ts'

let rest: UpstashRestServer
const redis = new Bun.RedisClient(testRedisUrl())
const logs: string[] = []
const logger = createLogger({ service: 'master', write: (l) => logs.push(l) })
beforeAll(async () => {
  rest = await startUpstashRestServer({ redisUrl: testRedisUrl() })
})
afterAll(async () => {
  redis.close()
  await rest.stop()
})

const envFor = (prefix: string, token = rest.token) => ({
  TWITTER_CONSUMER_SECRET: SECRET,
  UPSTASH_REDIS_REST_URL: rest.url,
  UPSTASH_REDIS_REST_TOKEN: token,
  QUEUE_PREFIX: prefix,
  WEBHOOK_MAX_EVENT_AGE_SEC: String(FIXTURE_MAX_AGE_SEC),
})
const pending = async (prefix: string, queue: 'chat' | 'tweet') =>
  ((await redis.send('LRANGE', [queueKeys(prefix, queue).pending, '0', '-1'])) as string[]).map(
    (raw) => JSON.parse(raw) as { eventId: string; payload: { api: string } },
  )
const signedPost = (body: string) =>
  new Request('http://edge.test/webhook', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign(body) },
  })

describe('edge entry over the Upstash REST transport', () => {
  test('CRC, signed DM queued once over 3 deliveries, readyz', async () => {
    const prefix = uniquePrefix('edge')
    const metrics = createInMemoryMasterMetrics()
    const app = createEdgeMaster(envFor(prefix), { logger, metrics })
    const token = 'ZWRnZS1ydW50aW1lLWNyYy10b2tlbg'
    const crc = await app.request(`/webhook?crc_token=${token}`)
    expect(await crc.json()).toEqual({ response_token: sign(token) })
    const body = fixtureText('xaa/dm-received-photo')
    for (let i = 0; i < 3; i++) expect((await app.fetch(signedPost(body))).status).toBe(200)
    const jobs = await pending(prefix, 'chat')
    expect(jobs.map((j) => [j.eventId, j.payload.api])).toEqual([['954491830116155396', 'xaa']])
    expect((await app.request('/readyz')).status).toBe(200)
    // Metrics are never public on the edge either: the embedder reads what it passed in.
    expect((await app.request('/metrics')).status).toBe(404)
    const text = await (await metrics.render()).text()
    expect(text).toContain(
      'tweetbot_master_events_total{api="xaa",kind="dm.received",outcome="duplicate"} 2',
    )
    expect(text).toContain(
      'tweetbot_master_request_duration_seconds_count{route="/webhook",method="POST",status="200"} 3',
    )
  })

  test('the edge entry bundles for a browser target: no Node built-ins in the app graph', async () => {
    const out = await Bun.build({
      entrypoints: [join(import.meta.dir, '../src/edge.ts')],
      target: 'browser',
    })
    expect(out.logs.filter((l) => l.level === 'error')).toEqual([])
    expect(out.success).toBe(true)
  })

  test('the default export reads Workers-style env bindings', async () => {
    const prefix = uniquePrefix('edge')
    const body = fixtureText('aaa/mention-photo')
    const res = await edgeEntry.fetch(signedPost(body), envFor(prefix))
    expect(res.status).toBe(200)
    expect((await pending(prefix, 'tweet')).map((j) => j.eventId)).toEqual(['1924465506158878979'])
  })

  test('Upstash refusing the token → 503 and readyz 503, nothing queued', async () => {
    const prefix = uniquePrefix('edge')
    const app = createEdgeMaster(envFor(prefix, 'wrong-token'), { logger })
    expect((await app.fetch(signedPost(fixtureText('aaa/dm-photo')))).status).toBe(503)
    expect((await app.request('/readyz')).status).toBe(503)
    expect(await pending(prefix, 'chat')).toEqual([])
  })

  test('Upstash endpoint down → 503; back up → the same delivery is queued once', async () => {
    const prefix = uniquePrefix('edge')
    // A loopback relay in front of the REST endpoint, stopped and restarted on the same port.
    const relay = (port = 0) =>
      Bun.serve({
        port,
        hostname: '127.0.0.1',
        fetch: (req) => {
          const url = new URL(req.url)
          return fetch(`${rest.url}${url.pathname}${url.search}`, {
            method: req.method,
            headers: req.headers,
            body: req.body,
          })
        },
      })
    let server = relay()
    const port = server.port
    const app = createEdgeMaster(
      { ...envFor(prefix), UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}` },
      { logger },
    )
    await server.stop(true)
    const body = fixtureText('aaa/dm-photo')
    expect((await app.fetch(signedPost(body))).status).toBe(503)
    server = relay(port)
    try {
      expect((await app.fetch(signedPost(body))).status).toBe(200)
      expect((await app.fetch(signedPost(body))).status).toBe(200)
      expect((await pending(prefix, 'chat')).map((j) => j.eventId)).toEqual(['954491830116155396'])
    } finally {
      await server.stop(true)
    }
  })

  test('a missing secret or Upstash URL is refused at construction, naming the variables', () => {
    expect(() => createEdgeMaster({ UPSTASH_REDIS_REST_TOKEN: 't' })).toThrow(
      /TWITTER_CONSUMER_SECRET: required but not set[\s\S]*UPSTASH_REDIS_REST_URL: required but not set/,
    )
  })
})
