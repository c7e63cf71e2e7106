// X Activity API deliveries through the real master app (signature, routing, Redis queue,
// metrics), built from X's documented examples (master/test/fixtures/xaa/*, ids moved to our bot)
// and from the shared builders the end-to-end tests use.
import { afterAll, describe, expect, test } from 'bun:test'
import type { QueueName } from '@tweetbot/common/queue'
import { testRedisUrl } from '@tweetbot/testing'
import * as x from '@tweetbot/testing/deliveries'
import { BOT_ID, fixture, fixtureText } from './fixtures/index.ts'
import { metric, parseJob, sign, startHarness } from './helpers.ts'

const harnesses: ReturnType<typeof startHarness>[] = []
const fresh = () => {
  const h = startHarness({ redisUrl: testRedisUrl() })
  harnesses.push(h)
  return h
}
afterAll(() => Promise.all(harnesses.map((h) => h.close())))

const EVENTS = 'tweetbot_master_events_total'
const post = async (h: ReturnType<typeof fresh>, body: unknown) => {
  const res = await h.post(typeof body === 'string' ? body : JSON.stringify(body))
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const counts = (queued: number, ignored: number, duplicate = 0) => ({
  api: 'xaa',
  queued,
  duplicate,
  ignored,
  stale: 0,
  rejected: 0,
  failed: 0,
})
/** Posts a delivery that must be answered 200 with exactly one job queued, on `queue`: that job. */
const queuesOne = async (h: ReturnType<typeof fresh>, body: unknown, queue: QueueName) => {
  expect(await post(h, body)).toEqual({ status: 200, body: counts(1, 0) })
  const [job, ...rest] = await h.jobs(queue)
  expect(rest).toEqual([])
  if (!job) throw new Error(`no job queued on ${queue}`)
  return job
}

describe('X Activity deliveries from the documented examples', () => {
  test('dm.received without an attachment → one chat job that asks the worker to look media up', async () => {
    const h = fresh()
    const job = await queuesOne(h, fixtureText('xaa/dm-received'), 'chat')
    // Deduped on the DM id, not on event_uuid (-6850472171600526495).
    expect(job.eventId).toBe('2080765901528535096')
    expect(parseJob(job)).toEqual({
      kind: 'dm',
      api: 'xaa',
      botId: BOT_ID,
      eventId: '2080765901528535096',
      text: 'hello!',
      media: [],
      needsMediaLookup: true,
      createdAt: new Date(1784928224372).toISOString(),
      // users[id].data (wrapped v2 user): username → screenName.
      sender: { id: '3001969357', screenName: 'furiouscamper', name: 'Jordan' },
    })
    const text = await h.metrics()
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'dm.received', outcome: 'queued' })).toBe(1)
    expect(await h.jobs('tweet')).toEqual([])
  })

  test('dm.received with an attachment → the photo URL is in the job, no lookup needed', async () => {
    const h = fresh()
    const job = await queuesOne(h, fixtureText('xaa/dm-received-photo'), 'chat')
    expect(parseJob(job)).toMatchObject({
      api: 'xaa',
      eventId: '954491830116155396',
      text: 'what is this?',
      media: [
        {
          url: 'https://ton.twitter.com/1.1/ton/data/dm/954491830116155396/1221092866912550912/OwIPMAFC.png',
          type: 'photo',
        },
      ],
      needsMediaLookup: false,
    })
  })

  test('a photo DM whose photo is only behind its t.co link → clean text, lookup needed', async () => {
    const h = fresh()
    const sender = x.nextXId()
    const delivery = x.xaaDmDelivery({ botId: BOT_ID, senderId: sender, mediaLink: true })
    expect(delivery.data.payload.direct_message_events[0]?.message_create.message_data.text).toBe(
      'what is this? https://t.co/TestMedia3',
    )
    const job = await queuesOne(h, delivery, 'chat')
    expect(parseJob(job)).toMatchObject({
      text: 'what is this?',
      media: [],
      needsMediaLookup: true,
      sender: { id: sender, screenName: `user${sender}` },
    })
  })

  test('dm.sent and a dm.received echo of the bot own DM → acknowledged, ignored, counted', async () => {
    const h = fresh()
    expect(await post(h, fixtureText('xaa/dm-sent'))).toEqual({ status: 200, body: counts(0, 1) })
    expect((await post(h, fixtureText('xaa/dm-received-echo'))).body).toEqual(counts(0, 1))
    expect(
      (await post(h, x.xaaDmDelivery({ botId: BOT_ID, senderId: '42', eventType: 'dm.sent' })))
        .body,
    ).toEqual(counts(0, 1))
    expect(await h.jobs('chat')).toEqual([])
    const text = await h.metrics()
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'dm.sent', outcome: 'ignored' })).toBe(2)
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'dm.received', outcome: 'ignored' })).toBe(1)
    expect(metric(text, EVENTS, { outcome: 'queued' })).toBe(0)
  })

  test('post.mention.create → one tweet job, author from includes.users', async () => {
    const h = fresh()
    const job = await queuesOne(h, fixtureText('xaa/post-mention'), 'tweet')
    expect(parseJob(job)).toEqual({
      kind: 'mention',
      api: 'xaa',
      botId: BOT_ID,
      eventId: '2080765813578191303',
      tweetId: '2080765813578191303',
      text: 'hey @imagebot',
      media: [],
      needsMediaLookup: true,
      createdAt: '2026-07-24T21:23:23.000Z',
      author: { id: '6253282', screenName: 'someone', name: 'Some One' },
      isRetweet: false,
    })
    const text = await h.metrics()
    expect(
      metric(text, EVENTS, { api: 'xaa', kind: 'post.mention.create', outcome: 'queued' }),
    ).toBe(1)
  })

  test('a mention by the bot itself → ignored', async () => {
    const h = fresh()
    expect((await post(h, fixtureText('xaa/post-mention-by-bot'))).body).toEqual(counts(0, 1))
    expect(await h.jobs('tweet')).toEqual([])
  })

  test('chat.* (encrypted XChat) → acknowledged, not answered, each one counted (X bills them)', async () => {
    const h = fresh()
    const chat = fixture('xaa/chat-received') as { data: Record<string, unknown> }
    for (const uuid of ['a1', 'a2', 'a3']) {
      chat.data.event_uuid = uuid
      expect(await post(h, chat)).toEqual({ status: 200, body: counts(0, 1) })
    }
    chat.data.event_type = 'chat.sent'
    expect((await post(h, chat)).body).toEqual(counts(0, 1))
    expect(await h.jobs('chat')).toEqual([])
    expect(await h.jobs('tweet')).toEqual([])
    const text = await h.metrics()
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'chat.received', outcome: 'ignored' })).toBe(3)
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'chat.sent', outcome: 'ignored' })).toBe(1)
  })

  test('oauth.revoke (empty filter, user in the payload) → acknowledged, ignored, counted', async () => {
    const h = fresh()
    expect(await post(h, fixtureText('xaa/oauth-revoke'))).toEqual({
      status: 200,
      body: counts(0, 1),
    })
    const text = await h.metrics()
    expect(metric(text, EVENTS, { api: 'xaa', kind: 'oauth.revoke', outcome: 'ignored' })).toBe(1)
    expect(await h.jobs('chat')).toEqual([])
  })

  test('an event type the master does not know → acknowledged, counted as other', async () => {
    const h = fresh()
    const body = { data: { event_uuid: '1', event_type: 'spaces.start', filter: {}, payload: {} } }
    expect((await post(h, body)).body).toEqual(counts(0, 1))
    expect(metric(await h.metrics(), EVENTS, { api: 'xaa', kind: 'other' })).toBe(1)
  })

  test('signed with another secret → 401, nothing queued (same signature rule as AAA)', async () => {
    const h = fresh()
    const body = fixtureText('xaa/dm-received')
    const res = await h.post(body, { 'x-twitter-webhooks-signature': sign(body, 'other-secret') })
    expect(res.status).toBe(401)
    expect(await h.jobs('chat')).toEqual([])
  })
})

describe('one message, two APIs (migration: AAA and XAA on one webhook)', () => {
  test('the same DM through AAA then XAA → one job (the AAA one)', async () => {
    const h = fresh()
    const eventId = x.nextXId()
    const sender = x.nextXId()
    const aaa = await post(
      h,
      x.dmDelivery({ botId: BOT_ID, senderId: sender, eventId, mediaUrl: 'https://x/p.jpg' }),
    )
    expect(aaa.body).toMatchObject({ api: 'aaa', queued: 1 })
    const xaa = await post(h, x.xaaDmDelivery({ botId: BOT_ID, senderId: sender, eventId }))
    expect(xaa.body).toEqual(counts(0, 0, 1))
    const jobs = await h.jobs('chat')
    expect(jobs.map((j) => [j.eventId, parseJob(j).api])).toEqual([[eventId, 'aaa']])
  })

  test('the same mention through XAA then AAA → one job; a second XAA type for it too', async () => {
    const h = fresh()
    const postId = x.nextXId()
    const xaa = x.xaaMentionDelivery({ botId: BOT_ID, authorId: '77', postId })
    expect((await post(h, xaa)).body).toEqual(counts(1, 0))
    const aaa = x.mentionDelivery({ botId: BOT_ID, authorId: '77', tweetId: postId })
    expect((await post(h, aaa)).body).toMatchObject({ api: 'aaa', queued: 0, duplicate: 1 })
    // One post can match post.mention.create and post.reply.create (new event_uuid each).
    const reply = structuredClone(xaa)
    reply.data.event_type = 'post.reply.create'
    reply.data.event_uuid = x.nextXId()
    expect((await post(h, reply)).body).toEqual(counts(0, 0, 1))
    expect((await h.jobs('tweet')).map((j) => j.eventId)).toEqual([postId])
  })

  test('two deliveries of one DM with different event_uuid → one job (dedupe is on the DM id)', async () => {
    const h = fresh()
    const a = fixture('xaa/dm-received') as { data: { event_uuid: string } }
    const b = structuredClone(a)
    b.data.event_uuid = '7'
    expect((await post(h, a)).body).toEqual(counts(1, 0))
    expect((await post(h, b)).body).toEqual(counts(0, 0, 1))
    expect(await h.jobs('chat')).toHaveLength(1)
  })
})
