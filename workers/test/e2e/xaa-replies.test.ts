// X Activity API deliveries end to end, all real processes on loopback (redis-server, tf-serving
// with the default model, master, both workers), the fake X API (HTTPS) answering the media
// lookups XAA makes necessary, and a local image server for the photos.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import * as x from '@tweetbot/testing/deliveries'
import type { RecordedRequest } from '@tweetbot/testing/fake-x-api'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { directTopLabel, dmsTo, drain, ensureDefaultModel, jpeg, labelsOf } from './helpers.ts'

const HELP = 'Send me a picture and I will tell you what I see in it.'
let stack: Stack
let labels: string[]
let photo: Uint8Array

beforeAll(async () => {
  const modelDir = await ensureDefaultModel()
  labels = labelsOf(modelDir)
  photo = await makePhoto(11)
  stack = await startStack({ modelDir, images: { '/photo.jpg': jpeg(photo) } })
}, 120_000)
afterAll(async () => {
  await stack?.stop()
})
beforeEach(() => stack.x.reset())

const textOf = (r: RecordedRequest | undefined) => (r?.json as { text?: string } | undefined)?.text
const lookupsOf = (path: string) =>
  stack.x.requests.filter((r) => r.method === 'GET' && r.path === path)

/**
 * `GET /2/dm_events/{id}` as X answers it with `expansions=attachments.media_keys`: the event
 * names its media keys, `includes.media` carries their URLs (ton.twitter.com at X; here the
 * local image server).
 */
const answerDmLookup = (dmId: string, senderId: string, mediaUrl?: string) => {
  const key = `3_${dmId}`
  stack.x.respondWith({
    method: 'GET',
    path: `/2/dm_events/${dmId}`,
    body: {
      data: {
        id: dmId,
        event_type: 'MessageCreate',
        text: mediaUrl ? 'what is this? https://t.co/TestMedia3' : 'hello!',
        sender_id: senderId,
        dm_conversation_id: `${senderId}-${stack.botId}`,
        ...(mediaUrl ? { attachments: { media_keys: [key] } } : {}),
      },
      ...(mediaUrl
        ? { includes: { media: [{ media_key: key, type: 'photo', url: mediaUrl }] } }
        : {}),
    },
  })
}

describe('X Activity API (e2e)', () => {
  test('a photo DM in XAA form (no media URL) → looked up on X, answered like its AAA twin', async () => {
    const expected = await directTopLabel(stack.predictUrl, photo, labels)
    // The AAA twin: the photo URL is in the delivery.
    const aaaSender = x.nextXId()
    await stack.postDelivery(
      x.dmDelivery({
        botId: stack.botId,
        senderId: aaaSender,
        mediaUrl: stack.imageUrl('/photo.jpg'),
      }),
    )
    const [aaaReply] = await stack.x.waitForRequests(1, (r) =>
      r.path.includes(`/with/${aaaSender}/`),
    )
    // The XAA form: only the DM's t.co link; the worker must ask GET /2/dm_events/{id}.
    const xaaSender = x.nextXId()
    const dmId = x.nextXId()
    answerDmLookup(dmId, xaaSender, stack.imageUrl('/photo.jpg'))
    const res = await stack.postDelivery(
      x.xaaDmDelivery({ botId: stack.botId, senderId: xaaSender, eventId: dmId, mediaLink: true }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ api: 'xaa', queued: 1 })
    const [xaaReply] = await stack.x.waitForRequests(1, (r) =>
      r.path.includes(`/with/${xaaSender}/`),
    )
    await drain(stack)

    expect(textOf(aaaReply)).toStartWith(`I see ${expected.label} `)
    expect(textOf(xaaReply)).toBe(textOf(aaaReply)!)
    expect(dmsTo(stack, xaaSender)).toHaveLength(1)
    const [lookup, ...again] = lookupsOf(`/2/dm_events/${dmId}`)
    expect(again).toEqual([])
    expect(lookup?.query.expansions).toBe('attachments.media_keys')
    expect(lookup?.query['media.fields']?.split(',')).toContain('url')
    expect(lookup?.query['dm_event.fields']?.split(',')).toContain('attachments')
    // Read as the bot (OAuth 1.0a user context: DM events are private).
    expect(lookup?.headers.authorization).toContain('oauth_token="stack-access-token"')
    expect(stack.images.hits.get('/photo.jpg')).toBeGreaterThanOrEqual(2)
  })

  test('the same photo DM through XAA and through AAA → one job, one reply (both orders)', async () => {
    const photoUrl = stack.imageUrl('/photo.jpg')
    // XAA first (needs a lookup), then AAA: the AAA copy is a duplicate.
    const s1 = x.nextXId()
    const dm1 = x.nextXId()
    answerDmLookup(dm1, s1, photoUrl)
    const x1 = await stack.postDelivery(
      x.xaaDmDelivery({ botId: stack.botId, senderId: s1, eventId: dm1, mediaLink: true }),
    )
    const a1 = await stack.postDelivery(
      x.dmDelivery({ botId: stack.botId, senderId: s1, eventId: dm1, mediaUrl: photoUrl }),
    )
    expect(await x1.json()).toMatchObject({ api: 'xaa', queued: 1, duplicate: 0 })
    expect(await a1.json()).toMatchObject({ api: 'aaa', queued: 0, duplicate: 1 })
    // AAA first, then XAA: no lookup at all, the XAA copy is a duplicate.
    const s2 = x.nextXId()
    const dm2 = x.nextXId()
    const a2 = await stack.postDelivery(
      x.dmDelivery({ botId: stack.botId, senderId: s2, eventId: dm2, mediaUrl: photoUrl }),
    )
    const x2 = await stack.postDelivery(
      x.xaaDmDelivery({ botId: stack.botId, senderId: s2, eventId: dm2, mediaLink: true }),
    )
    expect(await a2.json()).toMatchObject({ api: 'aaa', queued: 1 })
    expect(await x2.json()).toMatchObject({ api: 'xaa', queued: 0, duplicate: 1 })

    await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${s1}/`))
    await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${s2}/`))
    await drain(stack)
    expect(dmsTo(stack, s1)).toHaveLength(1)
    expect(dmsTo(stack, s2)).toHaveLength(1)
    expect(textOf(dmsTo(stack, s1)[0])).toBe(textOf(dmsTo(stack, s2)[0])!)
    expect(textOf(dmsTo(stack, s1)[0])).toStartWith('I see ')
    expect(lookupsOf(`/2/dm_events/${dm1}`)).toHaveLength(1)
    expect(lookupsOf(`/2/dm_events/${dm2}`)).toHaveLength(0)
  })

  test('a post.mention.create with a photo (media key only) through XAA and AAA → one reply, in thread', async () => {
    const expected = await directTopLabel(stack.predictUrl, photo, labels)
    const postId = x.nextXId()
    const key = `3_${x.nextXId()}`
    stack.x.respondWith({
      method: 'GET',
      path: `/2/tweets/${postId}`,
      body: {
        data: { id: postId, text: '@imagebot what is this?', attachments: { media_keys: [key] } },
        includes: { media: [{ media_key: key, type: 'photo', url: stack.imageUrl('/photo.jpg') }] },
      },
    })
    const xaa = await stack.postDelivery(
      x.xaaMentionDelivery({ botId: stack.botId, authorId: '93', postId, mediaKeys: [key] }),
    )
    const aaa = await stack.postDelivery(
      x.mentionDelivery({
        botId: stack.botId,
        authorId: '93',
        tweetId: postId,
        mediaUrl: stack.imageUrl('/photo.jpg'),
      }),
    )
    expect(await xaa.json()).toMatchObject({ api: 'xaa', queued: 1 })
    expect(await aaa.json()).toMatchObject({ api: 'aaa', queued: 0, duplicate: 1 })
    const inThread = (r: RecordedRequest) =>
      r.path === '/2/tweets' &&
      (r.json as { reply?: { in_reply_to_tweet_id?: string } })?.reply?.in_reply_to_tweet_id ===
        postId
    const [reply] = await stack.x.waitForRequests(1, inThread)
    await drain(stack)
    expect(stack.x.replies().filter(inThread)).toHaveLength(1)
    expect(textOf(reply)).toStartWith(`I see ${expected.label} `)
    const [lookup, ...again] = lookupsOf(`/2/tweets/${postId}`)
    expect(again).toEqual([])
    expect(lookup?.query.expansions).toBe('attachments.media_keys')
    expect(lookup?.query['media.fields']?.split(',')).toContain('url')
  })

  test('a text-only XAA DM → one lookup finds no photo → the help text', async () => {
    const sender = x.nextXId()
    const dmId = x.nextXId()
    answerDmLookup(dmId, sender)
    await stack.postDelivery(
      x.xaaDmDelivery({ botId: stack.botId, senderId: sender, eventId: dmId, text: 'hello!' }),
    )
    const [dm] = await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
    expect(dm?.json).toEqual({ text: HELP })
    expect(lookupsOf(`/2/dm_events/${dmId}`)).toHaveLength(1)
  })

  test('a rate-limited media lookup (429) → retried after the reset, then answered once', async () => {
    const expected = await directTopLabel(stack.predictUrl, photo, labels)
    const sender = x.nextXId()
    const dmId = x.nextXId()
    stack.x.respondWith({
      method: 'GET',
      path: `/2/dm_events/${dmId}`,
      status: 429,
      headers: {
        'x-rate-limit-limit': '300',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      },
      body: { title: 'Too Many Requests', detail: 'Too Many Requests', status: 429 },
    })
    answerDmLookup(dmId, sender, stack.imageUrl('/photo.jpg'))
    await stack.postDelivery(
      x.xaaDmDelivery({ botId: stack.botId, senderId: sender, eventId: dmId, mediaLink: true }),
    )
    const [dm] = await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
    await drain(stack)
    expect(textOf(dm)).toStartWith(`I see ${expected.label} `)
    expect(dmsTo(stack, sender)).toHaveLength(1)
    expect(lookupsOf(`/2/dm_events/${dmId}`).map((r) => r.status)).toEqual([429, 200])
  })

  test('dm.sent and a dm.received echo of the bot own DM → no reply, no lookup', async () => {
    const user = x.nextXId()
    const sent = x.nextXId()
    const echo = x.nextXId()
    for (const body of [
      x.xaaDmDelivery({ botId: stack.botId, senderId: user, eventId: sent, eventType: 'dm.sent' }),
      x.xaaDmDelivery({ botId: stack.botId, senderId: stack.botId, eventId: echo }),
    ])
      expect(await (await stack.postDelivery(body)).json()).toMatchObject({ queued: 0, ignored: 1 })
    await drain(stack)
    expect(dmsTo(stack, user)).toHaveLength(0)
    expect(dmsTo(stack, stack.botId)).toHaveLength(0)
    expect(stack.x.requests.filter((r) => r.path.startsWith('/2/dm_events/'))).toEqual([])
  })
})
