// End to end, all real processes on loopback: redis-server, tf-serving (default model), master,
// both workers; a local image server and the fake X API (HTTPS) in this process.
import { beforeAll, describe, expect, test } from 'bun:test'
import { chatJobSchema, tweetJobSchema } from '@tweetbot/common/jobs'
import type { RedisQueue } from '@tweetbot/common/queue'
import {
  dmDelivery,
  mentionDelivery,
  nextXId,
  xaaMentionDelivery,
} from '@tweetbot/testing/deliveries'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import {
  directTopLabel,
  dmsTo,
  drain,
  ensureDefaultModel,
  jpeg,
  labelsOf,
  makeDrawing,
  manageStack,
  queueOf,
} from './helpers.ts'

const HELP = 'Send me a picture and I will tell you what I see in it.'
let stack: Stack
let queue: RedisQueue
let labels: string[]
const photos: Record<string, Uint8Array> = {}

// Run once with the workers on REST and once on gRPC (TF_SERVER_URL=grpc://…): same replies.
describe.each(['rest', 'grpc'] as const)('replies over %s (e2e)', (transport) => {
  beforeAll(async () => {
    const modelDir = await ensureDefaultModel()
    labels = labelsOf(modelDir)
    photos['/photo.jpg'] = await makePhoto(7)
    photos['/drawing.jpg'] = await makeDrawing()
    stack = await startStack({
      modelDir,
      transport,
      images: Object.fromEntries(Object.entries(photos).map(([p, b]) => [p, jpeg(b)])),
    })
    queue = queueOf(stack)
  }, 120_000)
  manageStack(() => ({ stack, queue }))

  test('a signed DM with a photo → exactly one DM to the sender naming what :predict ranks first', async () => {
    for (const path of ['/photo.jpg', '/drawing.jpg']) {
      const sender = nextXId()
      const expected = await directTopLabel(stack.predictUrl, photos[path]!, labels)
      const res = await stack.postDelivery(
        dmDelivery({ botId: stack.botId, senderId: sender, mediaUrl: stack.imageUrl(path) }),
      )
      expect(res.status).toBe(200)
      await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
      await drain(stack)
      const dms = dmsTo(stack, sender)
      expect(dms).toHaveLength(1)
      const text = (dms[0]!.json as { text: string }).text
      expect(text).toStartWith(`I see ${expected.label} `)
      // Signed as the bot with OAuth 1.0a.
      expect(dms[0]!.headers.authorization).toContain('oauth_token="stack-access-token"')
    }
  })

  test('a signed mention with a photo → exactly one reply tweet, in reply to that tweet', async () => {
    const tweetId = nextXId()
    const res = await stack.postDelivery(
      mentionDelivery({
        botId: stack.botId,
        authorId: '77',
        tweetId,
        mediaUrl: stack.imageUrl('/photo.jpg'),
      }),
    )
    expect(res.status).toBe(200)
    await stack.x.waitForReplies(1)
    await drain(stack)
    const tweets = stack.x
      .replies()
      .filter((r) => r.path === '/2/tweets')
      .filter(
        (r) =>
          (r.json as { reply: { in_reply_to_tweet_id: string } }).reply.in_reply_to_tweet_id ===
          tweetId,
      )
    expect(tweets).toHaveLength(1)
    const expected = await directTopLabel(stack.predictUrl, photos['/photo.jpg']!, labels)
    expect((tweets[0]!.json as { text: string }).text).toStartWith(`I see ${expected.label} `)
  })

  test('an X Activity mention whose photo is only a media key → looked up on X, then answered', async () => {
    const postId = nextXId()
    const key = '3_1900000000000000001'
    stack.x.respondWith({
      method: 'GET',
      path: `/2/tweets/${postId}`,
      status: 200,
      body: {
        data: { id: postId, text: '@imagebot what is this?', attachments: { media_keys: [key] } },
        includes: {
          media: [{ media_key: key, type: 'photo', url: stack.imageUrl('/drawing.jpg') }],
        },
      },
    })
    const res = await stack.postDelivery(
      xaaMentionDelivery({ botId: stack.botId, authorId: '91', postId, mediaKeys: [key] }),
    )
    expect(res.status).toBe(200)
    const [reply] = await stack.x.waitForReplies(1)
    expect(reply!.json).toMatchObject({ reply: { in_reply_to_tweet_id: postId } })
    const expected = await directTopLabel(stack.predictUrl, photos['/drawing.jpg']!, labels)
    expect((reply!.json as { text: string }).text).toStartWith(`I see ${expected.label} `)
    const lookup = stack.x.requests.find((r) => r.path === `/2/tweets/${postId}`)
    expect(lookup?.query.expansions).toBe('attachments.media_keys')
    expect(lookup?.headers.authorization).toContain('oauth_token="stack-access-token"')
  })

  test('a DM without a photo → the help text', async () => {
    const sender = nextXId()
    await stack.postDelivery(
      dmDelivery({ botId: stack.botId, senderId: sender, text: 'hello bot' }),
    )
    const [dm] = await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
    expect(dm!.json).toEqual({ text: HELP })
  })

  test('a retweet and the bot own DM and tweet → no reply (master and worker both skip)', async () => {
    const photo = stack.imageUrl('/photo.jpg')
    const rt = nextXId()
    await stack.postDelivery(
      mentionDelivery({
        botId: stack.botId,
        authorId: '78',
        tweetId: rt,
        mediaUrl: photo,
        retweet: true,
      }),
    )
    await stack.postDelivery(
      dmDelivery({ botId: stack.botId, senderId: stack.botId, mediaUrl: photo }),
    )
    const own = nextXId()
    await stack.postDelivery(
      mentionDelivery({ botId: stack.botId, authorId: stack.botId, tweetId: own, mediaUrl: photo }),
    )
    // Belt and braces: the same events put straight on the queues (as if a master let them
    // through) are skipped by the workers too.
    const base = { api: 'aaa' as const, botId: stack.botId, text: 'x', needsMediaLookup: false }
    const media = [{ url: photo, type: 'photo' }]
    await queue.enqueue(
      'tweet',
      rt,
      tweetJobSchema.parse({
        ...base,
        kind: 'mention',
        eventId: rt,
        tweetId: rt,
        author: { id: '78' },
        isRetweet: true,
        media,
      }),
    )
    const ownDm = nextXId()
    await queue.enqueue(
      'chat',
      ownDm,
      chatJobSchema.parse({
        ...base,
        kind: 'dm',
        eventId: ownDm,
        sender: { id: stack.botId },
        media,
      }),
    )
    await drain(stack)
    expect(stack.x.replies()).toHaveLength(2) // only the two sentinels
    expect(dmsTo(stack, stack.botId)).toHaveLength(0)
    const skipped = await stack.metrics('worker:tweet')
    expect(skipped).toMatch(/tweetbot_worker_skipped_total\{[^}]*reason="retweet"[^}]*\} 1/)
    expect(await stack.metrics('worker:chat')).toMatch(/reason="own message"[^}]*\} 1/)
  })

  test('the same delivery posted twice → one reply', async () => {
    const sender = nextXId()
    const body = JSON.stringify(
      dmDelivery({ botId: stack.botId, senderId: sender, mediaUrl: stack.imageUrl('/photo.jpg') }),
    )
    expect((await stack.postDelivery(body)).status).toBe(200)
    expect((await stack.postDelivery(body)).status).toBe(200)
    await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
    await drain(stack)
    expect(dmsTo(stack, sender)).toHaveLength(1)
  })

  test('workers expose health, readiness and metrics with outcomes and stage latencies', async () => {
    for (const name of ['worker:chat', 'worker:tweet'] as const) {
      expect((await fetch(`${stack.services[name].url}/healthz`)).status).toBe(200)
      const ready = await fetch(`${stack.services[name].url}/readyz`)
      expect(await ready.json()).toEqual({
        ready: true,
        loadTestingMode: false,
        checks: { model: true, consumer: true, redis: true },
      })
    }
    const text = await stack.metrics('worker:chat')
    expect(text).toMatch(/^tweetbot_load_testing_mode\{[^}]*\} 0$/m)
    expect(text).toMatch(/tweetbot_jobs_total\{[^}]*outcome="replied"[^}]*\} [1-9]/)
    for (const stage of ['download', 'preprocess', 'predict', 'reply'])
      expect(text).toMatch(
        new RegExp(`tweetbot_worker_stage_seconds_count\\{[^}]*stage="${stage}"[^}]*\\} [1-9]`),
      )
    expect(text).toContain('tweetbot_jobs_in_flight')
  })

  test('the workers asked tf-serving over this transport', async () => {
    const metrics = await (await fetch(`${stack.services['tf-serving'].url}/metrics`)).text()
    const grpcCalls = /tfserving_requests_total\{[^}]*method="grpc_metadata"[^}]*\} (\d+)/.exec(
      metrics,
    )
    // The predicts too, not only the start-up metadata call (this file's own REST predicts,
    // directTopLabel, count under method="predict").
    const grpcPredicts = /tfserving_requests_total\{[^}]*method="grpc_predict"[^}]*\} (\d+)/.exec(
      metrics,
    )
    if (transport === 'grpc') {
      expect(Number(grpcCalls?.[1])).toBeGreaterThan(0)
      expect(Number(grpcPredicts?.[1])).toBeGreaterThan(0)
    } else {
      expect(grpcCalls).toBeNull()
      expect(grpcPredicts).toBeNull()
    }
  })
})
