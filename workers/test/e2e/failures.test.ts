// End to end: bad media and X errors, with real processes (see replies.test.ts).
import { beforeAll, describe, expect, test } from 'bun:test'
import type { RedisQueue } from '@tweetbot/common/queue'
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, mentionDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { makePhoto, pixelBombPng } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { ensureDefaultModel, jpeg, manageStack, queueOf } from './helpers.ts'

let stack: Stack
let queue: RedisQueue

beforeAll(async () => {
  const photo = await makePhoto(11)
  // 20 MB that starts like a JPEG, served with its Content-Length (the cap on a body without
  // one is tested in fetch-media.test.ts).
  const huge = new Uint8Array(20 * 1024 * 1024)
  huge.set(photo.subarray(0, 1000))
  stack = await startStack({
    modelDir: await ensureDefaultModel(),
    images: {
      '/ok.jpg': jpeg(photo),
      '/huge.jpg': jpeg(huge),
      '/bomb.png': { body: pixelBombPng() as Uint8Array<ArrayBuffer>, contentType: 'image/png' },
      '/page.html': {
        body: new TextEncoder().encode('<html>hi</html>') as Uint8Array<ArrayBuffer>,
        contentType: 'text/html',
      },
      '/garbage.jpg': jpeg(crypto.getRandomValues(new Uint8Array(4096))),
    },
    // Fast retries so a retried job comes back within the test.
    env: {
      'worker:chat': { QUEUE_MAX_ATTEMPTS: '3' },
      'worker:tweet': { QUEUE_MAX_ATTEMPTS: '3' },
    },
  })
  queue = queueOf(stack)
}, 120_000)
manageStack(() => ({ stack, queue }))

/** The dead-list entry of `eventId`, once the worker has buried it. */
const deadReason = async (queueName: 'chat' | 'tweet', eventId: string, timeoutMs = 20_000) => {
  const find = async () => (await queue.listDead(queueName, 100)).find((j) => j.eventId === eventId)
  await waitFor(`job ${eventId} to be buried`, async () => (await find()) !== undefined, timeoutMs)
  return (await find())!
}

describe('bad media (e2e): buried with the reason, no reply attempt, worker alive', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a host off the allow-list', () => 'http://127.0.0.1:1/cat.jpg', /not on the allow-list/],
    ["X's host over plain http", () => 'http://pbs.twimg.com/media/x.jpg', /https only/],
    ['a 20 MB image', () => stack.imageUrl('/huge.jpg'), /larger than 5242880/],
    ['a non-image (text/html)', () => stack.imageUrl('/page.html'), /not an image/],
    [
      'bytes that do not decode',
      () => stack.imageUrl('/garbage.jpg'),
      /not a readable image|cannot decode/,
    ],
    ['a pixel bomb', () => stack.imageUrl('/bomb.png'), /pixel bomb/],
    ['media that is gone (404)', () => stack.imageUrl('/missing.jpg'), /answered 404/],
  ]
  for (const [what, url, reason] of cases)
    test(what, async () => {
      const sender = nextXId()
      const eventId = nextXId()
      const res = await stack.postDelivery(
        dmDelivery({ botId: stack.botId, senderId: sender, eventId, mediaUrl: url() }),
      )
      expect(res.status).toBe(200)
      const job = await deadReason('chat', eventId)
      expect(job.lastError).toMatch(reason)
      expect(job.attempts).toBe(1) // permanent: buried at once, not retried
      expect(stack.x.requests.filter((r) => r.path.includes(`/with/${sender}/`))).toHaveLength(0)
      // Still alive and answering.
      expect(stack.services['worker:chat'].running).toBe(true)
      const next = nextXId()
      await stack.postDelivery(
        dmDelivery({ botId: stack.botId, senderId: next, mediaUrl: stack.imageUrl('/ok.jpg') }),
      )
      const [dm] = await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${next}/`))
      expect((dm!.json as { text: string }).text).toStartWith('I see ')
    })
})

describe('bad jobs (e2e)', () => {
  test('a payload that fails the job schema is buried with the reason', async () => {
    const eventId = nextXId()
    await queue.enqueue('chat', eventId, { kind: 'dm', eventId, text: 42 })
    const job = await deadReason('chat', eventId)
    expect(job.lastError).toMatch(/invalid payload/)
    expect(job.attempts).toBe(1)
    expect(stack.services['worker:chat'].running).toBe(true)
  })
})

describe('X errors (e2e)', () => {
  test('429 then 200 → the reply is sent once, after the reset X named', async () => {
    const sender = nextXId()
    const resetSec = Math.ceil(Date.now() / 1000) + 2
    stack.x.respondWith({
      method: 'POST',
      path: `/2/dm_conversations/with/${sender}/messages`,
      status: 429,
      headers: {
        'x-rate-limit-limit': '15',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(resetSec),
      },
      body: {
        title: 'Too Many Requests',
        detail: 'Too Many Requests',
        type: 'about:blank',
        status: 429,
      },
    })
    await stack.postDelivery(
      dmDelivery({ botId: stack.botId, senderId: sender, mediaUrl: stack.imageUrl('/ok.jpg') }),
    )
    const [sent] = await stack.x.waitForRequests(
      1,
      (r) => r.path.includes(`/with/${sender}/`) && r.status === 201,
    )
    const attempts = stack.x.requests.filter((r) => r.path.includes(`/with/${sender}/`))
    expect(attempts.map((r) => r.status)).toEqual([429, 201])
    expect(sent!.at).toBeGreaterThanOrEqual(resetSec * 1000 - 50)
  })

  test('403 (not allowed to reply) → buried with the reason, not retried', async () => {
    const tweetId = nextXId()
    stack.x.respondWith({
      method: 'POST',
      path: '/2/tweets',
      status: 403,
      body: {
        title: 'Forbidden',
        detail: 'You are not permitted to perform this action.',
        type: 'about:blank',
        status: 403,
      },
    })
    await stack.postDelivery(
      mentionDelivery({
        botId: stack.botId,
        authorId: '9',
        tweetId,
        mediaUrl: stack.imageUrl('/ok.jpg'),
      }),
    )
    const job = await deadReason('tweet', tweetId)
    expect(job.lastError).toMatch(/403/)
    expect(job.attempts).toBe(1)
    expect(stack.x.requests.filter((r) => r.path === '/2/tweets')).toHaveLength(1)
  })

  test('X 503 → retried with backoff, then sent once', async () => {
    const sender = nextXId()
    stack.x.respondWith({
      path: `/2/dm_conversations/with/${sender}/messages`,
      status: 503,
      body: { title: 'Service Unavailable', status: 503 },
    })
    await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: sender }))
    await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`) && r.status === 201)
    const statuses = stack.x.requests
      .filter((r) => r.path.includes(`/with/${sender}/`))
      .map((r) => r.status)
    expect(statuses).toEqual([503, 201])
  })

  test('X failing every time → dead after the configured attempts (nothing retries forever)', async () => {
    const sender = nextXId()
    const eventId = nextXId()
    stack.x.respondWith({
      path: `/2/dm_conversations/with/${sender}/messages`,
      status: 500,
      times: Number.POSITIVE_INFINITY,
      body: { title: 'Internal Error', status: 500 },
    })
    await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: sender, eventId }))
    const job = await deadReason('chat', eventId, 25_000)
    expect(job.attempts).toBe(3)
    expect(job.lastError).toMatch(/500/)
    stack.x.clearRules()
  }, 30_000)
})
