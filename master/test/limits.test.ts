// The master's limits in process (app.request): config defaults and checks, the AAA/XAA event
// cap, events older than the dedupe window, and the body budget and deadline on streamed bodies.
import { afterAll, describe, expect, test } from 'bun:test'
import {
  ConfigError,
  loadConfig,
  masterEnvSchema,
  WEBHOOK_LIMIT_DEFAULTS,
} from '@tweetbot/common/config'
import { silentLogger } from '@tweetbot/common/log'
import { testRedisUrl, waitFor } from '@tweetbot/testing'
import { dmDelivery, mentionDelivery, xaaDmDelivery } from '@tweetbot/testing/deliveries'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { MasterEnv } from '../src/env.ts'
import { type BodyBudget, createBodyBudget } from '../src/middleware/body-budget.ts'
import { bodyLimit } from '../src/middleware/body-limit.ts'
import { fixture } from './fixtures/index.ts'
import { type Harness, metric, sign, startHarness } from './helpers.ts'

const BOT = '4337869213'
const harnesses: Harness[] = []
afterAll(() => Promise.all(harnesses.map((h) => h.close())))
const fresh = (opts: Omit<Parameters<typeof startHarness>[0], 'redisUrl'> = {}) => {
  const h = startHarness({ redisUrl: testRedisUrl(), ...opts })
  harnesses.push(h)
  return h
}

describe('master configuration', () => {
  test('defaults: 256 KiB bodies, 16 MiB budget, 5 s deadline, 24 h event age, metrics on 9090', () => {
    const cfg = loadConfig('master', masterEnvSchema, { TWITTER_CONSUMER_SECRET: 's' })
    expect(cfg.WEBHOOK_MAX_BODY_BYTES).toBe(256 * 1024)
    expect(cfg.WEBHOOK_BODY_BUDGET_BYTES).toBe(16 * 1024 * 1024)
    expect(cfg.WEBHOOK_BODY_TIMEOUT_MS).toBe(5_000)
    expect(cfg.WEBHOOK_MAX_EVENT_AGE_SEC).toBe(86_400)
    expect(cfg.PORT).toBe(8080)
    expect(cfg.METRICS_PORT).toBe(9090)
    expect(WEBHOOK_LIMIT_DEFAULTS.maxBodyBytes).toBe(cfg.WEBHOOK_MAX_BODY_BYTES)
  })

  test('metrics on the webhook port, or a budget too small for one largest body, fail at start', () => {
    let err: unknown
    try {
      loadConfig('master', masterEnvSchema, {
        TWITTER_CONSUMER_SECRET: 's',
        PORT: '8080',
        METRICS_PORT: '8080',
        WEBHOOK_MAX_BODY_BYTES: '65536',
        WEBHOOK_BODY_BUDGET_BYTES: '65536',
        WEBHOOK_BODY_TIMEOUT_MS: '0',
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const names = (err as ConfigError).problems.map((p) => p.split(':')[0]).sort()
    expect(names).toEqual(['METRICS_PORT', 'WEBHOOK_BODY_BUDGET_BYTES', 'WEBHOOK_BODY_TIMEOUT_MS'])
  })
})

/** An AAA delivery of `n` DM events from other users, stamped now. */
const aaaDms = (n: number) => {
  const one = dmDelivery({ botId: BOT, senderId: '42' })
  const template = one.direct_message_events[0]!
  return {
    ...one,
    direct_message_events: Array.from({ length: n }, (_, i) => ({
      ...template,
      id: String(9_000_000_000_000_000_000n + BigInt(i)),
    })),
  }
}

describe('events per delivery: the same cap (100) for AAA as for XAA', () => {
  test('an AAA delivery of 6,000 DM events is refused whole (400), nothing queued', async () => {
    // ~3 MB: past the default body limit (413), so the limit is raised to reach the cap.
    const body = JSON.stringify(aaaDms(6_000))
    expect((await fresh().post(body)).status).toBe(413)
    const h = fresh({ maxBodyBytes: 8 * 1024 * 1024, bodyBudgetBytes: 16 * 1024 * 1024 })
    const res = await h.post(body)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'more than 100 events in one delivery' })
    expect(await h.jobs('chat')).toEqual([])
    expect(
      metric(await h.metrics(), 'tweetbot_master_events_total', {
        api: 'unknown',
        outcome: 'rejected',
      }),
    ).toBe(1)
  })

  test('100 events in one AAA delivery are all queued; 101 (DMs and mentions together) are not', async () => {
    const h = fresh()
    const ok = await h.post(JSON.stringify(aaaDms(100)))
    expect(ok.status).toBe(200)
    expect((await h.jobs('chat')).length).toBe(100)
    const mixed = { ...aaaDms(100), ...mentionDelivery({ botId: BOT, authorId: '43' }) }
    mixed.direct_message_events = aaaDms(100).direct_message_events
    const over = await h.post(JSON.stringify(mixed))
    expect(over.status).toBe(400)
    // Refused whole for the count, so its one new event (the mention) is not queued either.
    expect(await over.json()).toEqual({ error: 'more than 100 events in one delivery' })
    expect(await h.jobs('tweet')).toEqual([])
  })

  test('XAA: 101 events across `data` are refused like 101 DMs in one payload', async () => {
    const h = fresh()
    const event = (fixture('xaa/post-mention') as { data: unknown }).data
    expect((await h.post(JSON.stringify({ data: Array(100).fill(event) }))).status).toBe(200)
    const res = await h.post(JSON.stringify({ data: Array(101).fill(event) }))
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'more than 100 events in one delivery' })
  })

  test('XAA: each DM of a dm.received payload counts, also across events of one delivery', async () => {
    /** One dm.received event carrying `n` DMs (each payload alone is within its own 100). */
    const dmEvent = (n: number, first: bigint) => {
      const { data } = xaaDmDelivery({ botId: BOT, senderId: '42' })
      const [dm] = data.payload.direct_message_events
      const dms = Array.from({ length: n }, (_, i) => ({ ...dm, id: String(first + BigInt(i)) }))
      return { ...data, payload: { ...data.payload, direct_message_events: dms } }
    }
    const h = fresh()
    const over = await h.post(
      JSON.stringify({
        data: [dmEvent(60, 8_000_000_000_000_000_000n), dmEvent(41, 8_100_000_000_000_000_000n)],
      }),
    )
    expect(over.status).toBe(400)
    expect(await over.json()).toEqual({ error: 'more than 100 events in one delivery' })
    expect(await h.jobs('chat')).toEqual([])
    const within = await h.post(
      JSON.stringify({
        data: [dmEvent(60, 8_200_000_000_000_000_000n), dmEvent(40, 8_300_000_000_000_000_000n)],
      }),
    )
    expect(within.status).toBe(200)
    expect((await h.jobs('chat')).length).toBe(100)
  })
})

describe('events older than the dedupe window (WEBHOOK_MAX_EVENT_AGE_SEC)', () => {
  const DAY_MS = 86_400_000

  test('a captured delivery replayed after the window is acknowledged (200), not queued, counted stale', async () => {
    let now = Date.now()
    const h = fresh({ maxEventAgeSec: 86_400, now: () => now })
    const body = JSON.stringify(dmDelivery({ botId: BOT, senderId: '42' }))
    expect((await h.post(body)).status).toBe(200)
    expect((await h.jobs('chat')).length).toBe(1)
    // Eight days on (past the dedupe marks and the workers' reply marks), the same signed bytes.
    await h.queue.close()
    now += 8 * DAY_MS
    const h2 = fresh({ maxEventAgeSec: 86_400, now: () => now })
    const res = await h2.post(body)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ api: 'aaa', queued: 0, stale: 1, rejected: 0 })
    expect(await h2.jobs('chat')).toEqual([])
    expect(
      metric(await h2.metrics(), 'tweetbot_master_events_total', {
        api: 'aaa',
        kind: 'direct_message',
        outcome: 'stale',
      }),
    ).toBe(1)
  })

  test('each event is aged on its own: AAA created_timestamp and created_at, XAA created_at', async () => {
    const now = Date.now()
    const h = fresh({ maxEventAgeSec: 3_600, now: () => now })
    const fresh1 = dmDelivery({ botId: BOT, senderId: '42' })
    const old = dmDelivery({ botId: BOT, senderId: '42' })
    old.direct_message_events[0]!.created_timestamp = String(now - 2 * 3_600_000)
    const both = {
      ...fresh1,
      direct_message_events: [...fresh1.direct_message_events, ...old.direct_message_events],
    }
    expect(await (await h.post(JSON.stringify(both))).json()).toMatchObject({
      queued: 1,
      stale: 1,
    })
    const mention = mentionDelivery({ botId: BOT, authorId: '43' })
    mention.tweet_create_events[0]!.created_at = 'Wed Oct 10 20:19:24 +0000 2018'
    expect(await (await h.post(JSON.stringify(mention))).json()).toMatchObject({ stale: 1 })
    // X's documented XAA mention, stamped 2026-07-24: stale against a clock a day later.
    const xaa = fixture('xaa/post-mention') as { data: { payload: { created_at: string } } }
    const xaaNow = Date.parse(xaa.data.payload.created_at)
    const late = fresh({ maxEventAgeSec: 3_600, now: () => xaaNow + 86_400_000 })
    const onTime = fresh({ maxEventAgeSec: 3_600, now: () => xaaNow + 60_000 })
    expect(await (await late.post(JSON.stringify(xaa))).json()).toMatchObject({ stale: 1 })
    expect(await (await onTime.post(JSON.stringify(xaa))).json()).toMatchObject({ queued: 1 })
  })
})

/** A body stream that sends `first` and then nothing, until cancelled. */
const stallingBody = (first: Uint8Array) => {
  const seen = { cancelled: false }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first)
    },
    cancel() {
      seen.cancelled = true
    },
  })
  return { stream, seen }
}

const postStream = (h: Harness, body: ReadableStream<Uint8Array>, headers = {}) =>
  h.app.request('/webhook', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-twitter-webhooks-signature': sign('{}'),
      ...headers,
    },
    // @ts-expect-error Bun's RequestInit takes duplex for streamed bodies
    duplex: 'half',
  })

describe('body budget and deadline (in process)', () => {
  test('a body that stops arriving is cut at the deadline: 408, stream cancelled, connection: close', async () => {
    const h = fresh({ bodyTimeoutMs: 300 })
    const { stream, seen } = stallingBody(new Uint8Array(10).fill(0x20))
    const t = performance.now()
    const res = await postStream(h, stream)
    expect(res.status).toBe(408)
    expect(performance.now() - t).toBeGreaterThanOrEqual(290)
    expect(res.headers.get('connection')).toBe('close')
    expect(seen.cancelled).toBe(true)
    expect(
      metric(await h.metrics(), 'tweetbot_master_body_refusals_total', { reason: 'timeout' }),
    ).toBe(1)
  })

  test('declared bodies past the budget get 503 + retry-after at once; small bodies keep a share', async () => {
    const h = fresh({ maxBodyBytes: 64 * 1024, bodyBudgetBytes: 256 * 1024, bodyTimeoutMs: 2_000 })
    // Large (64 KiB) bodies may fill 3/4 of 256 KiB: three of them.
    const held = Array.from({ length: 4 }, () => stallingBody(new Uint8Array(1).fill(0x20)))
    const answers = held.map((b) =>
      postStream(h, b.stream, { 'content-length': String(64 * 1024) }),
    )
    const fourth = await answers[3]!
    expect(fourth.status).toBe(503)
    expect(fourth.headers.get('retry-after')).toBe('2')
    // A good delivery is a few KiB: it still fits beside the three stalled bodies.
    const good = await h.post(JSON.stringify(dmDelivery({ botId: BOT, senderId: '42' })))
    expect(good.status).toBe(200)
    expect((await Promise.all(answers.slice(0, 3))).map((r) => r.status)).toEqual([408, 408, 408])
  })

  test('the budget: large bodies stop at 3/4, small ones may use all of it, give brings it back', () => {
    const b = createBodyBudget(100 * 1024)
    expect(b.take(40 * 1024, 40 * 1024)).toBe(true)
    expect(b.take(40 * 1024, 40 * 1024)).toBe(false) // 80 KiB > 75 KiB for a large body
    expect(b.take(30 * 1024, 30 * 1024)).toBe(true) // small: up to 100 KiB
    expect(b.take(30 * 1024, 30 * 1024)).toBe(true)
    expect(b.take(1, 1)).toBe(false)
    b.give(40 * 1024)
    expect(b.inUseBytes).toBe(60 * 1024)
    expect(() => createBodyBudget(0)).toThrow('limitBytes must be a positive integer')
  })
})

describe('body budget accounting: every way out of bodyLimit gives back what it took', () => {
  /** bodyLimit (1 KiB, 200 ms) before a handler that answers the body's length or throws. */
  const appWith = (budget: BodyBudget) => {
    const app = new Hono<MasterEnv>()
    const limit = bodyLimit({ maxBytes: 1024, budget, timeoutMs: 200, logger: silentLogger })
    app.post('/', limit, (c) => {
      if (c.req.header('x-fail')) throw new Error('handler failed')
      return c.text(String(c.get('rawBody').byteLength))
    })
    app.onError((err, c) =>
      err instanceof HTTPException ? c.text(err.message, err.status) : c.text('failed', 500),
    )
    return app
  }
  /** A body of `sizes` chunks, then closed, errored, or left open (stalled). */
  const body = (sizes: number[], end: 'close' | 'error' | 'stall' = 'close') => {
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c
        for (const n of sizes) c.enqueue(new Uint8Array(n).fill(0x20))
        if (end === 'close') c.close()
        if (end === 'error') c.error(new Error('connection reset'))
      },
    })
    return { stream, close: () => controller.close() }
  }
  const post = async (app: Hono<MasterEnv>, stream: ReadableStream<Uint8Array>, headers = {}) =>
    app.request('/', {
      method: 'POST',
      body: stream,
      headers,
      // @ts-expect-error Bun's RequestInit takes duplex for streamed bodies
      duplex: 'half',
    })

  test('read whole (declared or chunked), too large, too slow, walked away, handler failed', async () => {
    const budget = createBodyBudget(64 * 1024)
    const app = appWith(budget)
    const cases: [string, () => Promise<Response>, number][] = [
      ['declared', () => post(app, body([100]).stream, { 'content-length': '100' }), 200],
      ['chunked', () => post(app, body([100, 100]).stream), 200],
      ['chunked past maxBytes', () => post(app, body([600, 600]).stream), 413],
      ['chunked, stalled', () => post(app, body([10], 'stall').stream), 408],
      ['chunked, errored', () => post(app, body([10], 'error').stream), 499],
      ['handler threw', () => post(app, body([100]).stream, { 'x-fail': '1' }), 500],
    ]
    for (const [what, send, status] of cases) {
      expect(`${what}: ${(await send()).status}`).toBe(`${what}: ${status}`)
      expect(`${what}: ${budget.inUseBytes}`).toBe(`${what}: 0`)
    }
  })

  test('a chunked body refused by the budget mid-read gives back the chunks it had taken', async () => {
    const budget = createBodyBudget(150)
    const res = await post(appWith(budget), body([100, 100]).stream)
    expect(res.status).toBe(503)
    expect(budget.inUseBytes).toBe(0)
  })

  test('a declared body cut at the deadline keeps its share until its read settles', async () => {
    const budget = createBodyBudget(64 * 1024)
    const { stream, close } = body([10], 'stall')
    const res = await post(appWith(budget), stream, { 'content-length': '100' })
    expect(res.status).toBe(408)
    expect(budget.inUseBytes).toBe(100) // arrayBuffer() still holds its buffer
    close()
    await waitFor('the abandoned read to give its share back', () => budget.inUseBytes === 0, 2_000)
  })
})
