import { afterAll, describe, expect, test } from 'bun:test'
import { testRedisUrl } from '@tweetbot/testing'
import { BOT_ID, fixtureText } from './fixtures/index.ts'
import { metric, parseJob, sign, startHarness } from './helpers.ts'

const MAX = 64 * 1024
const harnesses: ReturnType<typeof startHarness>[] = []
const fresh = () => {
  const h = startHarness({ redisUrl: testRedisUrl(), maxBodyBytes: MAX })
  harnesses.push(h)
  return h
}
afterAll(() => Promise.all(harnesses.map((h) => h.close())))

describe('POST /webhook delivery', () => {
  test('the same signed delivery posted 3 times → one job', async () => {
    const h = fresh()
    const body = fixtureText('aaa/dm-photo')
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await (await h.post(body)).json())
    expect(answers.map((a) => [a.queued, a.duplicate])).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
    ])
    const jobs = await h.jobs('chat')
    expect(jobs).toHaveLength(1)
    expect(parseJob(jobs[0] as never)).toMatchObject({
      eventId: '954491830116155396',
      botId: BOT_ID,
    })
    const text = await h.metrics()
    const labels = { api: 'aaa', kind: 'direct_message' }
    expect(metric(text, 'tweetbot_master_events_total', { ...labels, outcome: 'queued' })).toBe(1)
    expect(metric(text, 'tweetbot_master_events_total', { ...labels, outcome: 'duplicate' })).toBe(
      2,
    )
  })

  test('3 concurrent copies of a mention → one job', async () => {
    const h = fresh()
    const body = fixtureText('aaa/mention-photo')
    const statuses = await Promise.all([h.post(body), h.post(body), h.post(body)])
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200])
    expect((await h.jobs('tweet')).map((j) => j.eventId)).toEqual(['1924465506158878979'])
  })

  test('the same DM through AAA and through XAA → one job', async () => {
    const h = fresh()
    expect((await h.post(fixtureText('xaa/dm-received-photo'))).status).toBe(200)
    expect((await h.post(fixtureText('aaa/dm-photo'))).status).toBe(200)
    const jobs = await h.jobs('chat')
    expect(jobs.map((j) => [j.eventId, parseJob(j).api])).toEqual([['954491830116155396', 'xaa']])
  })

  test('a mixed delivery: DMs to chat, the mention to tweet, the rest counted and ignored', async () => {
    const h = fresh()
    const res = await h.post(fixtureText('aaa/mixed'))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      api: 'aaa',
      queued: 3,
      duplicate: 0,
      ignored: 3,
      stale: 0,
      rejected: 0,
      failed: 0,
    })
    expect((await h.jobs('chat')).map((j) => j.eventId).sort()).toEqual([
      '954491830116155500',
      '954491830116155502',
    ])
    const [tweet] = await h.jobs('tweet')
    expect(tweet && parseJob(tweet)).toMatchObject({
      kind: 'mention',
      tweetId: '1924465506158879300',
      author: { id: '5550001111', screenName: 'other' },
    })
    const text = await h.metrics()
    expect(metric(text, 'tweetbot_master_events_total', { outcome: 'ignored' })).toBe(3)
    expect(
      metric(text, 'tweetbot_master_events_total', {
        kind: 'direct_message_indicate_typing',
        outcome: 'ignored',
      }),
    ).toBe(1)
  })

  test('ignored-only deliveries (typing, read, favorite, XAA chat.received) → 200, nothing queued', async () => {
    const h = fresh()
    for (const name of [
      'aaa/typing',
      'aaa/read',
      'aaa/favorite',
      'xaa/chat-received',
      'xaa/dm-sent',
    ])
      expect((await h.post(fixtureText(name))).status).toBe(200)
    expect(await h.jobs('chat')).toEqual([])
    expect(await h.jobs('tweet')).toEqual([])
    const text = await h.metrics()
    expect(
      metric(text, 'tweetbot_master_events_total', { kind: 'chat.received', outcome: 'ignored' }),
    ).toBe(1)
  })

  test('signed but not JSON, not UTF-8, or not a webhook payload → 400, counted as rejected', async () => {
    const h = fresh()
    const bodies: (string | Uint8Array)[] = [
      '{"for_user_id":',
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      '[]',
      '"just a string"',
      '{"hello":"world"}',
    ]
    for (const body of bodies) expect((await h.post(body)).status).toBe(400)
    const allBad = JSON.stringify({ for_user_id: BOT_ID, direct_message_events: [{ id: 'x' }] })
    expect((await h.post(allBad)).status).toBe(400)
    expect(await h.jobs('chat')).toEqual([])
    const text = await h.metrics()
    expect(metric(text, 'tweetbot_master_events_total', { outcome: 'rejected' })).toBe(4)
  })

  test('wrong or missing content type → 415', async () => {
    const h = fresh()
    const body = fixtureText('aaa/dm-photo')
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', ''])
      expect((await h.post(body, { 'content-type': type })).status).toBe(415)
    expect((await h.post(body, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(
      200,
    )
  })

  test('a declared Content-Length over the limit → 413 before reading', async () => {
    const h = fresh()
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(1024))
      },
    })
    const res = await h.app.request('/webhook', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: {
        'content-type': 'application/json',
        'content-length': String(MAX + 1),
        'x-twitter-webhooks-signature': sign('{}'),
      },
    } as RequestInit)
    expect(res.status).toBe(413)
    // At most what the stream pre-buffers on its own; the handler read nothing.
    expect(pulled).toBeLessThanOrEqual(1)
  })

  test('a streamed body without Content-Length is cut at the limit → 413, the rest never read', async () => {
    const h = fresh()
    const chunk = 4096
    const total = 10 * 1024 * 1024
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close()
        sent += chunk
        controller.enqueue(new Uint8Array(chunk).fill(0x20))
      },
    })
    const res = await h.app.request('/webhook', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign('{}') },
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(sent).toBeLessThan(MAX + 4 * chunk)
  })

  test('a body of exactly the limit is read and judged (401 here: signed for another body)', async () => {
    const h = fresh()
    const body = ' '.repeat(MAX)
    const res = await h.post(body, { 'x-twitter-webhooks-signature': sign('{}') })
    expect(res.status).toBe(401)
    expect((await h.post(body)).status).toBe(400)
  })
})

describe('service endpoints', () => {
  test('healthz, readyz (Redis reachable), metrics with the latency histogram, 404', async () => {
    const h = fresh()
    expect((await h.app.request('/healthz')).status).toBe(200)
    expect(await (await h.app.request('/readyz')).json()).toEqual({ status: 'ready' })
    await h.post(fixtureText('aaa/typing'))
    const text = await h.metrics()
    expect(
      metric(text, 'tweetbot_master_request_duration_seconds_count', {
        route: '/webhook',
        method: 'POST',
        status: '200',
      }),
    ).toBe(1)
    // Refused requests are timed too, with the status onError gave them.
    await h.post('{}', { 'x-twitter-webhooks-signature': 'sha256=nope' })
    const after = await h.metrics()
    expect(metric(after, 'tweetbot_master_request_duration_seconds_count', { status: '401' })).toBe(
      1,
    )
    expect((await h.app.request('/nope')).status).toBe(404)
  })
})
