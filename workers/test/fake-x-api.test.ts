// The fake X API itself (testing/src/fake-x-api.ts): other suites rely on its contract.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type FakeXApi, REPLY_PATH, startFakeXApi } from '@tweetbot/testing/fake-x-api'

let x: FakeXApi
const call = (path: string, init: RequestInit = {}) =>
  fetch(`${x.url}${path}`, { ...init, tls: { ca: x.caCert } } as RequestInit)

beforeAll(async () => {
  x = await startFakeXApi({
    bot: { id: '99', username: 'bot' },
    media: {
      '/1.1/ton/data/dm/1/2/p.png': {
        body: Uint8Array.from([1, 2, 3]),
        contentType: 'image/png',
      },
    },
  })
})
afterAll(() => x.stop())

describe('startFakeXApi', () => {
  test('serves HTTPS that only a client trusting caCert accepts', async () => {
    expect(x.url).toStartWith('https://127.0.0.1:')
    await expect(fetch(`${x.url}/2/users/me`)).rejects.toThrow()
    expect(await (await call('/2/users/me')).json()).toEqual({
      data: { id: '99', username: 'bot', name: 'bot' },
    })
  })

  test('default answers: DM send 201 with data, tweet 201 echoing the text, media, 404 otherwise', async () => {
    x.reset()
    const dm = await call('/2/dm_conversations/with/5/messages', {
      method: 'POST',
      body: JSON.stringify({ text: 'hi' }),
    })
    expect(dm.status).toBe(201)
    expect(((await dm.json()) as { data: { dm_event_id: string } }).data.dm_event_id).toBeString()
    const tweet = await call('/2/tweets', { method: 'POST', body: JSON.stringify({ text: 'yo' }) })
    expect(((await tweet.json()) as { data: { text: string } }).data.text).toBe('yo')
    expect(new Uint8Array(await (await call('/1.1/ton/data/dm/1/2/p.png')).arrayBuffer())).toEqual(
      Uint8Array.from([1, 2, 3]),
    )
    expect((await call('/2/nothing')).status).toBe(404)
    expect(x.replies().map((r) => r.path)).toEqual([
      '/2/dm_conversations/with/5/messages',
      '/2/tweets',
    ])
    expect(x.requests[0]).toMatchObject({ method: 'POST', json: { text: 'hi' }, status: 201 })
  })

  test('scripted rules: matched by method and path, used up after `times`, in order', async () => {
    x.reset()
    x.respondWith({
      method: 'POST',
      path: '/2/tweets',
      status: 429,
      times: 2,
      headers: { 'x-rate-limit-reset': '1' },
    })
    x.respondWith({ path: /^\/2\/tweets$/, respond: () => new Response('custom', { status: 418 }) })
    const statuses = []
    for (let i = 0; i < 4; i++)
      statuses.push((await call('/2/tweets', { method: 'POST', body: '{}' })).status)
    expect(statuses).toEqual([429, 429, 418, 201])
    x.respondWith({ path: '/2/tweets', status: 500 })
    x.clearRules()
    expect((await call('/2/tweets', { method: 'POST', body: '{}' })).status).toBe(201)
  })

  test('a rule can answer as the fake would have, e.g. after holding the request', async () => {
    x.reset()
    const held: string[] = []
    x.respondWith({
      path: REPLY_PATH,
      respond: (req, asUsual) => {
        held.push(req.path)
        return asUsual()
      },
    })
    const res = await call('/2/tweets', { method: 'POST', body: '{"text":"hi"}' })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { data: { text: string } }).data.text).toBe('hi')
    expect(held).toEqual(['/2/tweets'])
    for (const path of [
      '/2/dm_conversations/with/5/messages',
      '/2/dm_conversations/5-99/messages',
      '/1.1/direct_messages/events/new.json',
      '/2/tweets',
    ])
      expect(REPLY_PATH.test(path)).toBe(true)
    expect(REPLY_PATH.test('/2/tweets/search/recent')).toBe(false)
  })

  test('requests are recorded on arrival; waitForRequests resolves or times out', async () => {
    x.reset()
    x.respondWith({ path: '/2/tweets', delayMs: 200 })
    const pending = call('/2/tweets', { method: 'POST', body: '{"text":"slow"}' })
    await x.waitForRequests(1, (r) => r.status === 0, 2_000)
    await pending
    expect(x.requests[0]?.status).toBe(200)
    await expect(x.waitForReplies(5, 100)).rejects.toThrow(/of 5 expected/)
  })

  test("the bot's timeline lists its tweets still being answered or accepted, not refused ones", async () => {
    x.reset()
    const post = (body: unknown) =>
      call('/2/tweets', { method: 'POST', body: JSON.stringify(body) })
    await post({ text: 'a', reply: { in_reply_to_tweet_id: '11' } })
    x.respondWith({ path: '/2/tweets', status: 500 })
    await post({ text: 'refused', reply: { in_reply_to_tweet_id: '12' } })
    x.respondWith({ path: '/2/tweets', delayMs: 300 })
    const held = post({ text: 'held', reply: { in_reply_to_tweet_id: '13' } })
    await x.waitForRequests(3, (r) => r.path === '/2/tweets')
    const list = async (query = '') =>
      (await (await call(`/2/users/99/tweets${query}`)).json()) as {
        data?: { text: string; referenced_tweets?: { type: string; id: string }[] }[]
        meta: { result_count: number; next_token?: string }
      }
    const body = await list()
    expect(body.data?.map((t) => t.text)).toEqual(['held', 'a'])
    expect(body.data?.[1]?.referenced_tweets).toEqual([{ type: 'replied_to', id: '11' }])
    await held
    const future = new Date(Date.now() + 60_000).toISOString()
    expect((await list(`?start_time=${future}`)).meta.result_count).toBe(0)
    expect((await list('?max_results=5')).meta.next_token).toBeUndefined()
    expect((await (await call('/2/users/5/tweets')).json()) as unknown).toEqual({
      meta: { result_count: 0 },
    })
  })
})
