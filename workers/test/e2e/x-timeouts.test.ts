// End to end: X accepts a reply but answers after the worker's X_TIMEOUT_MS (see replies.test.ts).
// The worker must not post again blind: the retry asks X whether the reply is there.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, mentionDelivery, nextXId } from '@tweetbot/testing/deliveries'
import type { RecordedRequest } from '@tweetbot/testing/fake-x-api'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { replyMarkKey } from '../../src/reply/reply-guard.ts'
import { ensureDefaultModel, jpeg } from './helpers.ts'

// Short, so a held answer outlasts it; the check waits 2 × this after the claim.
const X_TIMEOUT_MS = 800
const HELD_MS = X_TIMEOUT_MS + 600

let stack: Stack

beforeAll(async () => {
  const env = { X_TIMEOUT_MS: String(X_TIMEOUT_MS), QUEUE_MAX_ATTEMPTS: '5' }
  stack = await startStack({
    modelDir: await ensureDefaultModel(),
    images: { '/ok.jpg': jpeg(await makePhoto(21)) },
    env: { 'worker:chat': env, 'worker:tweet': env },
  })
}, 120_000)
afterAll(() => stack?.stop())
beforeEach(() => stack.x.reset())

const accepted = (r: RecordedRequest) => r.status >= 200 && r.status < 300

/** Waits for the worker's log line saying the event was settled without a second reply. */
const waitForLog = async (
  service: 'worker:chat' | 'worker:tweet',
  eventId: string,
  text: string,
  timeoutMs = 30_000,
) => {
  const find = () =>
    stack.services[service]
      .logs()
      .split('\n')
      .find((l) => l.includes(`"eventId":"${eventId}"`) && l.includes(text))
  await waitFor(`"${text}" for ${eventId}`, () => find() !== undefined, timeoutMs)
  return find()!
}

const dmTo = (sender: string) => (r: RecordedRequest) =>
  r.method === 'POST' && r.path === `/2/dm_conversations/with/${sender}/messages`
const replyTo = (tweetId: string) => (r: RecordedRequest) =>
  r.method === 'POST' &&
  r.path === '/2/tweets' &&
  (r.json as { reply?: { in_reply_to_tweet_id?: string } }).reply?.in_reply_to_tweet_id === tweetId

/** X posts the DM to `sender` but answers only after HELD_MS, past the worker's timeout. */
const holdDm = (sender: string) =>
  stack.x.respondWith({
    method: 'POST',
    path: `/2/dm_conversations/with/${sender}/messages`,
    delayMs: HELD_MS,
    status: 201,
    body: { data: { dm_conversation_id: 'c', dm_event_id: nextXId() } },
  })

const postDm = async (sender: string, eventId: string) => {
  const res = await stack.postDelivery(
    dmDelivery({
      botId: stack.botId,
      senderId: sender,
      eventId,
      mediaUrl: stack.imageUrl('/ok.jpg'),
    }),
  )
  expect(res.status).toBe(200)
}

const postMention = async (tweetId: string) => {
  const res = await stack.postDelivery(
    mentionDelivery({
      botId: stack.botId,
      authorId: nextXId(),
      tweetId,
      mediaUrl: stack.imageUrl('/ok.jpg'),
    }),
  )
  expect(res.status).toBe(200)
}

describe('X posts a reply but answers after X_TIMEOUT_MS (e2e)', () => {
  test('DM: the retry finds it in the DM list → exactly one DM, no second send', async () => {
    const sender = nextXId()
    const eventId = nextXId()
    holdDm(sender)
    await postDm(sender, eventId)
    await waitForLog('worker:chat', eventId, 'already replied')
    const sends = stack.x.requests.filter(dmTo(sender))
    expect(sends).toHaveLength(1)
    expect(sends[0]!.status).toBe(201)
    const checks = stack.x.requests.filter(
      (r) => r.path === `/2/dm_conversations/with/${sender}/dm_events`,
    )
    expect(checks).toHaveLength(1)
    // Asked only after X had had time to finish the held request.
    expect(checks[0]!.at - sends[0]!.at).toBeGreaterThanOrEqual(HELD_MS)
  }, 45_000)

  test('tweet: the retry finds it on the bot timeline → exactly one reply, no second post', async () => {
    const tweetId = nextXId()
    stack.x.respondWith({ method: 'POST', path: '/2/tweets', delayMs: HELD_MS, status: 201 })
    await postMention(tweetId)
    await waitForLog('worker:tweet', tweetId, 'already replied')
    const posts = stack.x.requests.filter(replyTo(tweetId))
    expect(posts).toHaveLength(1)
    expect(posts[0]!.status).toBe(201)
    const checks = stack.x.requests.filter((r) => r.path === `/2/users/${stack.botId}/tweets`)
    expect(checks).toHaveLength(1)
    expect(checks[0]!.query['tweet.fields']).toContain('referenced_tweets')
  }, 45_000)

  test('X answered late with an error (nothing posted) → the check finds none, sent once', async () => {
    const tweetId = nextXId()
    stack.x.respondWith({
      method: 'POST',
      path: '/2/tweets',
      delayMs: HELD_MS,
      status: 503,
      body: { title: 'Service Unavailable', status: 503 },
    })
    await postMention(tweetId)
    await stack.x.waitForRequests(1, (r) => replyTo(tweetId)(r) && accepted(r), 30_000)
    await waitForLog('worker:tweet', tweetId, '"msg":"replied"')
    const posts = stack.x.requests.filter(replyTo(tweetId))
    expect(posts.map((r) => r.status)).toEqual([503, 201])
    expect(
      stack.x.requests.filter((r) => r.path.endsWith('/tweets') && r.method === 'GET').length,
    ).toBe(1)
  }, 45_000)

  test('the check itself fails → retried later, never posted blind; then one reply', async () => {
    const tweetId = nextXId()
    stack.x.respondWith({ method: 'POST', path: '/2/tweets', delayMs: HELD_MS, status: 201 })
    stack.x.respondWith({
      method: 'GET',
      path: `/2/users/${stack.botId}/tweets`,
      times: 2,
      status: 503,
      body: { title: 'Service Unavailable', status: 503 },
    })
    await postMention(tweetId)
    const line = await waitForLog('worker:tweet', tweetId, 'already replied')
    expect(line).toContain('"attempt":4')
    expect(stack.x.requests.filter(replyTo(tweetId))).toHaveLength(1)
    const checks = stack.x.requests.filter((r) => r.path === `/2/users/${stack.botId}/tweets`)
    expect(checks.map((r) => r.status)).toEqual([503, 503, 200])
    const logs = stack.services['worker:tweet'].logs()
    expect(logs).toContain('reply in doubt, asking X failed')
  }, 45_000)

  test('DM check fails (429) → waits for the reset, then one DM', async () => {
    const sender = nextXId()
    const eventId = nextXId()
    holdDm(sender)
    const resetSec = Math.ceil(Date.now() / 1000) + 4
    stack.x.respondWith({
      method: 'GET',
      path: `/2/dm_conversations/with/${sender}/dm_events`,
      status: 429,
      headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(resetSec) },
      body: { title: 'Too Many Requests', status: 429 },
    })
    await postDm(sender, eventId)
    await waitForLog('worker:chat', eventId, 'already replied')
    expect(stack.x.requests.filter(dmTo(sender))).toHaveLength(1)
    const checks = stack.x.requests.filter(
      (r) => r.path === `/2/dm_conversations/with/${sender}/dm_events`,
    )
    expect(checks.map((r) => r.status)).toEqual([429, 200])
    expect(checks[1]!.at).toBeGreaterThanOrEqual(resetSec * 1000 - 50)
  }, 45_000)
})

describe('tweet replies left in doubt by a crash are settled by asking X, not given up (e2e)', () => {
  test('a worker killed while X holds its reply → restarted, finds it on the timeline, one reply', async () => {
    const tweetId = nextXId()
    stack.x.respondWith({ method: 'POST', path: '/2/tweets', delayMs: 3_000, status: 201 })
    await postMention(tweetId)
    await stack.x.waitForRequests(1, replyTo(tweetId), 30_000) // arrived, not yet answered
    expect(await stack.kill('worker:tweet', 'SIGKILL')).not.toBe(0)
    await stack.restart('worker:tweet')
    await waitForLog('worker:tweet', tweetId, 'already replied')
    expect(stack.x.requests.filter(replyTo(tweetId))).toHaveLength(1)
  }, 60_000)

  test('a claim whose request never reached X → the check finds no reply, sent once', async () => {
    const tweetId = nextXId()
    // What a worker that died between claiming and sending leaves behind.
    const redis = new Bun.RedisClient(stack.redis.url)
    await redis.send('SET', [
      replyMarkKey(stack.prefix, 'tweet', tweetId),
      `sending:${Date.now() - 60_000}`,
      'EX',
      '600',
    ])
    redis.close()
    await postMention(tweetId)
    await stack.x.waitForRequests(1, (r) => replyTo(tweetId)(r) && accepted(r), 30_000)
    await waitForLog('worker:tweet', tweetId, '"msg":"replied"')
    expect(stack.x.requests.filter(replyTo(tweetId))).toHaveLength(1)
    expect(stack.x.requests.some((r) => r.path === `/2/users/${stack.botId}/tweets`)).toBe(true)
  }, 45_000)
})
