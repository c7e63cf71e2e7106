import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { rootCertificates } from 'node:tls'
import { PermanentJobError, RetryLaterError } from '@tweetbot/common/queue'
import { xApiAgent } from '@tweetbot/common/x-api'
import { type FakeXApi, startFakeXApi } from '@tweetbot/testing/fake-x-api'
import { createXApiClient } from '../src/x/x-api-client.ts'
import { surelyNotPosted, XNoAnswerError, XRefusedError } from '../src/x/x-errors.ts'
import { createXReplier, type Replier } from '../src/x/x-replier.ts'

let x: FakeXApi
let replier: Replier
const keys = { appKey: 'ck', appSecret: 'cs', accessToken: 'at', accessSecret: 'as' }

beforeAll(async () => {
  x = await startFakeXApi()
  replier = createXReplier(
    createXApiClient({ keys, baseUrl: x.url, ca: x.caCert, timeoutMs: 2_000 }),
  )
})
afterAll(() => x.stop())
beforeEach(() => x.reset())

/** What the queue will do with the error a call threw, read from its class alone. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure')
    },
    (err: unknown) => {
      if (err instanceof PermanentJobError) return { kind: 'permanent' as const, err }
      if (err instanceof RetryLaterError)
        return { kind: 'retry-later' as const, delayMs: err.retryAfterMs, err }
      return { kind: 'transient' as const, err }
    },
  )

describe('createXReplier against the fake X API (HTTPS, test CA trusted by the agent only)', () => {
  test('DM: POST /2/dm_conversations/with/:id/messages, signed as the bot', async () => {
    await replier.sendDm('42', 'hello')
    const [req] = x.replies()
    expect(req?.path).toBe('/2/dm_conversations/with/42/messages')
    expect(req?.json).toEqual({ text: 'hello' })
    expect(req?.headers.authorization).toContain('oauth_token="at"')
  })

  test('tweet reply: POST /2/tweets in reply to the mention', async () => {
    await replier.replyToTweet('777', 'I see cats')
    expect(x.replies()[0]?.json).toEqual({
      text: 'I see cats',
      reply: { in_reply_to_tweet_id: '777' },
    })
  })

  test('dmSentSince: finds the bot DM to that user at or after a time, nothing else', async () => {
    const before = Date.now()
    expect(await replier.dmSentSince('1000', '42', before)).toBe(false)
    await replier.sendDm('42', 'hello')
    expect(await replier.dmSentSince('1000', '42', before)).toBe(true)
    expect(await replier.dmSentSince('1000', '43', before)).toBe(false)
    expect(await replier.dmSentSince('1000', '42', Date.now() + 60_000)).toBe(false)
    expect(await replier.dmSentSince('someone-else', '42', before)).toBe(false)
    const lookup = x.requests.find((r) => r.path === '/2/dm_conversations/with/42/dm_events')
    expect(lookup?.query['dm_event.fields']).toBe('sender_id,created_at')
  })

  test('tweetRepliedSince: finds the bot reply to that tweet on its timeline since a time', async () => {
    const before = Date.now()
    expect(await replier.tweetRepliedSince('1000', '777', before)).toBe(false)
    await replier.replyToTweet('778', 'another thread')
    expect(await replier.tweetRepliedSince('1000', '777', before)).toBe(false)
    await replier.replyToTweet('777', 'I see cats')
    expect(await replier.tweetRepliedSince('1000', '777', before)).toBe(true)
    expect(await replier.tweetRepliedSince('1000', '777', Date.now() + 60_000)).toBe(false)
    expect(await replier.tweetRepliedSince('someone-else', '777', before)).toBe(false)
    const lookup = x.requests.find((r) => r.path === '/2/users/1000/tweets')
    expect(lookup?.query['tweet.fields']).toContain('referenced_tweets')
    expect(lookup?.query.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  test('tweetRepliedSince pages through the timeline (next_token)', async () => {
    const before = Date.now()
    await replier.replyToTweet('900', 'first, so oldest')
    for (let i = 0; i < 120; i++) await replier.replyToTweet(`9${i}x`, 'filler')
    expect(await replier.tweetRepliedSince('1000', '900', before)).toBe(true)
    expect(x.requests.filter((r) => r.path === '/2/users/1000/tweets')).toHaveLength(2)
  })

  test('tweetRepliedSince: an error answer from X throws (the caller retries, never guesses)', async () => {
    x.respondWith({ path: '/2/users/1000/tweets', status: 503, body: { title: 'Unavailable' } })
    expect(await failure(replier.tweetRepliedSince('1000', '777', Date.now()))).toMatchObject({
      kind: 'transient',
    })
  })

  test('429 → retry after the reset X gives', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 30
    x.respondWith({
      status: 429,
      headers: {
        'x-rate-limit-limit': '15',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(reset),
      },
      body: { title: 'Too Many Requests', detail: 'Too Many Requests', status: 429 },
    })
    const f = await failure(replier.sendDm('42', 'x'))
    expect(f.kind).toBe('retry-later')
    if (f.kind !== 'retry-later') return
    expect(f.delayMs).toBeGreaterThan(25_000)
    expect(f.delayMs).toBeLessThanOrEqual(31_000)
  })

  test('429 on the 24-hour cap → waits for that reset, not the 15-minute one', async () => {
    const now = Math.ceil(Date.now() / 1000)
    x.respondWith({
      status: 429,
      headers: {
        'x-rate-limit-limit': '15',
        'x-rate-limit-remaining': '3',
        'x-rate-limit-reset': String(now + 60),
        'x-user-limit-24hour-limit': '1440',
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': String(now + 3600),
      },
      body: { title: 'Too Many Requests', status: 429 },
    })
    const f = await failure(replier.sendDm('42', 'x'))
    expect(f.kind === 'retry-later' && f.delayMs).toBeGreaterThan(3_000_000)
  })

  test('403 and 404 are permanent; 503 and an unreachable X are transient', async () => {
    x.respondWith({
      status: 403,
      body: { title: 'Forbidden', detail: 'not allowed to reply', status: 403 },
    })
    const refused = await failure(replier.replyToTweet('1', 'x'))
    expect(refused.kind).toBe('permanent')
    expect(refused.err).toBeInstanceOf(XRefusedError)
    expect((refused.err as XRefusedError).posted).toBe(false)
    x.respondWith({ status: 404, body: { title: 'Not Found', status: 404 } })
    expect((await failure(replier.replyToTweet('1', 'x'))).kind).toBe('permanent')
    x.respondWith({ status: 503, body: { title: 'Service Unavailable', status: 503 } })
    expect((await failure(replier.replyToTweet('1', 'x'))).kind).toBe('transient')
    const closed = createXReplier(
      createXApiClient({ keys, baseUrl: 'https://127.0.0.1:1', timeoutMs: 500 }),
    )
    const unreachable = await failure(closed.sendDm('1', 'x'))
    expect(unreachable.kind).toBe('transient')
    // The connection never opened: X surely did not post, so a retry may send.
    expect(unreachable.err).toBeInstanceOf(XNoAnswerError)
    expect(surelyNotPosted(unreachable.err)).toBe(true)
  })

  test('no answer in time: X may have posted (the reply is left in doubt)', async () => {
    x.respondWith({ delayMs: 3_000, status: 201, body: { data: { id: '1' } } })
    const slow = createXReplier(
      createXApiClient({ keys, baseUrl: x.url, ca: x.caCert, timeoutMs: 300 }),
    )
    const f = await failure(slow.replyToTweet('1', 'x'))
    expect(f.kind).toBe('transient')
    expect(f.err).toBeInstanceOf(XNoAnswerError)
    expect((f.err as XNoAnswerError).posted).toBe('maybe')
    expect(surelyNotPosted(f.err)).toBe(false)
  })

  test('a server whose certificate is not trusted is refused (TLS verification stays on)', async () => {
    const untrusting = createXReplier(createXApiClient({ keys, baseUrl: x.url, timeoutMs: 2_000 }))
    const f = await failure(untrusting.sendDm('42', 'x'))
    expect(f.kind).toBe('transient')
    // The TLS handshake failed, so no request ever reached the fake.
    expect(x.requests).toHaveLength(0)
  })

  test('TWITTER_CA_FILE adds a CA: the public roots stay trusted beside it (api.x.com still works)', () => {
    const ca = xApiAgent(x.caCert).options.ca as string[]
    expect(ca).toContain(x.caCert)
    for (const root of rootCertificates) expect(ca).toContain(root)
    expect(ca).toHaveLength(rootCertificates.length + 1)
    // Without an extra CA the agent keeps Node's default store untouched.
    expect(xApiAgent().options.ca).toBeUndefined()
  })
})
