// The sandbox's HTTP API against the real bot: master, both workers, tf-serving with the
// default model and redis-server, all on loopback; only X is the sandbox's fake.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { REPLIED_TIMELINE, timelineSteps } from '@tweetbot/testing/job-timeline'
import type { SandboxMessage } from '../src/messages.ts'
import { makePhoto, type SandboxStack, startSandboxStack, waitFor } from './helpers.ts'

let env: SandboxStack
let photo: Uint8Array<ArrayBuffer>

beforeAll(async () => {
  env = await startSandboxStack()
  photo = new Uint8Array(await makePhoto(7))
}, 180_000)
afterAll(() => env?.stop())

type ApiMessage = Omit<SandboxMessage, 'body'>

const url = (path: string) => new URL(path, env.sandbox.url).href

const sendMessage = async (fields: Record<string, string>, file?: Blob, name = 'photo.jpg') => {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  if (file) form.set('photo', file, name)
  return fetch(url('/api/messages'), { method: 'POST', body: form })
}

const jpegBlob = () => new Blob([photo], { type: 'image/jpeg' })

const getMessage = async (id: string) =>
  (await (await fetch(url(`/api/messages/${id}`))).json()) as ApiMessage

const waitForReply = async (id: string) => {
  let m: ApiMessage | undefined
  await waitFor(
    `a reply to ${id}`,
    async () => {
      m = await getMessage(id)
      return m.replies.length > 0 && m.events.some((e) => e.type === 'finished')
    },
    30_000,
  )
  return m!
}

/** Reads the SSE stream until `done` holds for a `message` event's payload. */
const readStreamUntil = async (
  res: Response,
  done: (data: { id: string; html: string; message: ApiMessage }) => boolean,
) => {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffered = ''
  try {
    for (;;) {
      const { value, done: ended } = await reader.read()
      if (ended) throw new Error('stream ended')
      buffered += value
      let cut = buffered.indexOf('\n\n')
      while (cut >= 0) {
        const block = buffered.slice(0, cut)
        buffered = buffered.slice(cut + 2)
        cut = buffered.indexOf('\n\n')
        if (!block.includes('event: message')) continue
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n')
        const parsed = JSON.parse(data)
        if (done(parsed)) return parsed
      }
    }
  } finally {
    await reader.cancel()
  }
}

describe('POST /api/messages', () => {
  test('a DM with a JPEG (AAA) is answered by the real workers, through the fake X, with a full timeline', async () => {
    const stream = await fetch(url('/api/stream'))
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const res = await sendMessage({ kind: 'dm', api: 'aaa', text: 'what is it?' }, jpegBlob())
    expect(res.status).toBe(201)
    const sent = (await res.json()) as ApiMessage
    expect(sent.deliveries).toHaveLength(1)
    expect(sent.deliveries[0]!.status).toBe(200)
    expect(sent.deliveries[0]!.answer).toMatchObject({ api: 'aaa', queued: 1, duplicate: 0 })

    // The reply stream carries the message with the bot's reply rendered in it.
    const streamed = await readStreamUntil(
      stream,
      (d) => d.id === sent.id && d.message.replies.length > 0,
    )
    expect(streamed.html).toContain('class="reply"')
    expect(streamed.message.replies[0]!.text).toMatch(/^I see \w+ \d+%/)

    const m = await waitForReply(sent.id)
    // The reply is what the fake X received, from the real twitter-api-v2 path: a v2 DM to
    // this message's own user.
    const atX = env.sandbox.x
      .replies()
      .filter((r) => r.path === `/2/dm_conversations/with/${m.userId}/messages`)
    expect(atX).toHaveLength(1)
    expect((atX[0]!.json as { text: string }).text).toBe(m.replies[0]!.text)
    // The worker downloaded the photo from the sandbox.
    expect(timelineSteps(m.events)).toEqual([...REPLIED_TIMELINE])
    const taken = m.events[0]!
    expect(taken.type === 'taken' && taken.worker).toContain('worker-chat')
    const scores = m.events.find((e) => e.type === 'scores')
    expect(scores?.type === 'scores' && scores.labels).toEqual([
      'Drawing',
      'Hentai',
      'Neutral',
      'Porn',
      'Sexy',
    ])
    if (scores?.type === 'scores') {
      expect(scores.scores).toHaveLength(5)
      expect(scores.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2)
    }
    expect(m.events.at(-1)).toMatchObject({ type: 'finished', outcome: 'replied' })
  }, 60_000) // the first photo also pays for the model's first predict

  test('the photo is served back at its media path, byte for byte', async () => {
    const res = await sendMessage({ kind: 'dm', api: 'aaa' }, jpegBlob())
    const m = (await res.json()) as ApiMessage
    const media = await fetch(url(m.photo!.path))
    expect(media.headers.get('content-type')).toBe('image/jpeg')
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(photo)
    await waitForReply(m.id)
  })

  test('a mention in the X Activity API format: the worker looks the photo up at the fake X and replies to the post', async () => {
    const res = await sendMessage({ kind: 'mention', api: 'xaa', text: 'and this?' }, jpegBlob())
    expect(res.status).toBe(201)
    const sent = (await res.json()) as ApiMessage
    expect(sent.deliveries[0]!.answer).toMatchObject({ api: 'xaa', queued: 1 })
    const m = await waitForReply(sent.id)
    expect(m.replies[0]!.endpoint).toBe('POST /2/tweets')
    expect(m.replies[0]!.text).toMatch(/^I see /)
    const lookups = env.sandbox.x.requests.filter((r) => r.path === `/2/tweets/${m.id}`)
    expect(lookups.length).toBeGreaterThanOrEqual(1)
    expect(m.events.some((e) => e.type === 'stage' && e.stage === 'lookup' && e.ok)).toBe(true)
    const taken = m.events.find((e) => e.type === 'taken')
    expect(taken?.type === 'taken' && taken.worker).toContain('worker-tweet')
  })

  test('a DM in the X Activity API format is looked up through GET /2/dm_events/:id', async () => {
    const res = await sendMessage({ kind: 'dm', api: 'xaa' }, jpegBlob())
    const m = await waitForReply(((await res.json()) as ApiMessage).id)
    expect(m.replies[0]!.text).toMatch(/^I see /)
    expect(env.sandbox.x.requests.some((r) => r.path === `/2/dm_events/${m.id}`)).toBe(true)
  })

  test('a text without a photo gets the help text', async () => {
    const res = await sendMessage({ kind: 'dm', api: 'aaa', text: 'hello' })
    const m = await waitForReply(((await res.json()) as ApiMessage).id)
    expect(m.replies[0]!.text).toBe('Send me a picture and I will tell you what I see in it.')
  })

  test('malformed requests get a 4xx with the reason, and nothing is sent', async () => {
    const before = env.sandbox.store.all().length
    const notImage = await sendMessage(
      { kind: 'dm' },
      new Blob(['hello'], { type: 'text/plain' }),
      'notes.txt',
    )
    expect(notImage.status).toBe(415)
    expect(((await notImage.json()) as { error: string }).error).toStartWith(
      'photo must be an image, got text/plain',
    )
    const empty = await sendMessage({ kind: 'dm' })
    expect(empty.status).toBe(400)
    expect(((await empty.json()) as { error: string }).error).toContain('photo, a text')
    const badKind = await sendMessage({ kind: 'retweet', text: 'x' })
    expect(badKind.status).toBe(400)
    expect(((await badKind.json()) as { error: string }).error).toBe('kind must be dm or mention')
    const badApi = await sendMessage({ kind: 'dm', api: 'v3', text: 'x' })
    expect(badApi.status).toBe(400)
    expect(((await badApi.json()) as { error: string }).error).toBe('api must be aaa or xaa')
    const notForm = await fetch(url('/api/messages'), { method: 'POST', body: '{}' })
    expect(notForm.status).toBe(400)
    expect(((await notForm.json()) as { error: string }).error).toBe(
      'expected a multipart/form-data body',
    )
    expect(env.sandbox.store.all().length).toBe(before)
  })
})

test('requests from another site or under another host name are refused', async () => {
  const before = env.sandbox.store.all().length
  const form = new FormData()
  form.set('text', 'hi')
  const crossSite = await fetch(url('/api/messages'), {
    method: 'POST',
    body: form,
    headers: { origin: 'http://evil.example' },
  })
  expect(crossSite.status).toBe(403)
  expect(((await crossSite.json()) as { error: string }).error).toBe(
    'refused: cross-site request from http://evil.example',
  )
  const rebound = await fetch(url('/api/messages'), { headers: { host: 'evil.example:8090' } })
  expect(rebound.status).toBe(403)
  expect(((await rebound.json()) as { error: string }).error).toBe(
    'refused: Host evil.example:8090 is not loopback',
  )
  const sameSite = await fetch(url('/api/messages'), {
    method: 'POST',
    body: form,
    headers: { origin: new URL(env.sandbox.url).origin },
  })
  expect(sameSite.status).toBe(201)
  expect(env.sandbox.store.all().length).toBe(before + 1)
})

describe('POST /api/messages/:id/resend', () => {
  test('the same delivery again is a duplicate at the master, and the bot replies once', async () => {
    const res = await sendMessage({ kind: 'mention', api: 'aaa' }, jpegBlob())
    const first = await waitForReply(((await res.json()) as ApiMessage).id)
    const again = await fetch(url(`/api/messages/${first.id}/resend`), { method: 'POST' })
    expect(again.status).toBe(200)
    const m = (await again.json()) as ApiMessage
    expect(m.deliveries).toHaveLength(2)
    expect(m.deliveries[1]).toMatchObject({ status: 200 })
    expect(m.deliveries[1]!.answer).toMatchObject({ queued: 0, duplicate: 1 })
    // Nothing was queued; give a stray job every chance to show up before counting.
    await Bun.sleep(1_500)
    const after = await getMessage(first.id)
    expect(after.replies).toHaveLength(1)
    expect(after.events.filter((e) => e.type === 'taken')).toHaveLength(1)
    const atX = env.sandbox.x
      .replies()
      .filter(
        (r) =>
          (r.json as { reply?: { in_reply_to_tweet_id?: string } }).reply?.in_reply_to_tweet_id ===
          first.id,
      )
    expect(atX).toHaveLength(1)
  })

  test('an unknown message is a 404', async () => {
    const res = await fetch(url('/api/messages/123/resend'), { method: 'POST' })
    expect(res.status).toBe(404)
  })
})

test('GET /api/status reads the queues, the workers and the model from the stack', async () => {
  const s = (await (await fetch(url('/api/status'))).json()) as {
    queues: Record<string, { pending: number; dead: number }>
    workers: { ready: boolean; loadTestingMode: boolean }[]
    model: { name: string; versions: { version: string; state: string }[] }
  }
  expect(Object.keys(s.queues).sort()).toEqual(['chat', 'tweet'])
  expect(s.queues.chat!.dead).toBe(0)
  expect(s.workers).toHaveLength(2)
  expect(s.workers.every((w) => w.ready && w.loadTestingMode === false)).toBe(true)
  expect(s.model.name).toBe('default')
  expect(s.model.versions).toContainEqual({ version: '1', state: 'AVAILABLE' })
  const page = await (await fetch(env.sandbox.url)).text()
  expect(page).toContain('<dd data-k="workers">2/2</dd>')
  expect(page).toContain('<dd data-k="load-testing">off</dd>')
})
