// Pure parts: which message a reply belongs to, the store's bounds, the prediction time.
import { expect, test } from 'bun:test'
import { messageForReply } from '../src/fake-x.ts'
import { createMessageStore, predictedAt, type SandboxMessage } from '../src/messages.ts'
import type { RecordedRequest } from '../src/x-testing.ts'

const message = (id: string, userId: string): SandboxMessage => ({
  id,
  kind: 'dm',
  api: 'aaa',
  text: '',
  userId,
  createdAt: 0,
  body: '{}',
  deliveries: [],
  events: [],
  replies: [],
})

const request = (path: string, json: unknown): RecordedRequest => ({
  method: 'POST',
  path,
  query: {},
  headers: {},
  body: JSON.stringify(json),
  json,
  status: 0,
  at: 0,
})

test('a reply is matched by tweet id (mentions) or by user id (v2 and v1.1 DMs)', () => {
  const store = createMessageStore()
  store.add(message('100', '7'))
  store.add(message('200', '8'))
  expect(
    messageForReply(
      request('/2/tweets', { text: 'x', reply: { in_reply_to_tweet_id: '200' } }),
      store,
    )?.id,
  ).toBe('200')
  expect(
    messageForReply(request('/2/dm_conversations/with/7/messages', { text: 'x' }), store)?.id,
  ).toBe('100')
  const v11 = { event: { message_create: { target: { recipient_id: '8' } } } }
  expect(messageForReply(request('/1.1/direct_messages/events/new.json', v11), store)?.id).toBe(
    '200',
  )
  expect(messageForReply(request('/2/tweets', { text: 'not a reply' }), store)).toBeUndefined()
  expect(messageForReply(request('/2/dm_conversations/with/9/messages', {}), store)).toBeUndefined()
})

test('the store keeps the newest messages only, and forgets their users too', () => {
  const store = createMessageStore(2)
  store.add(message('1', 'u1'))
  store.add(message('2', 'u2'))
  store.add(message('3', 'u3'))
  expect(store.all().map((m) => m.id)).toEqual(['2', '3'])
  expect(store.byUser('u1')).toBeUndefined()
  expect(store.byUser('u3')?.id).toBe('3')
})

test('listeners hear every change; an unknown id changes nothing', () => {
  const store = createMessageStore()
  const heard: string[] = []
  const stop = store.subscribe((m) => heard.push(`${m.id}:${m.replies.length}`))
  store.add(message('1', 'u1'))
  store.update('1', (m) =>
    m.replies.push({ at: 1, text: 'hi', endpoint: 'POST /2/tweets', status: 201 }),
  )
  expect(store.update('nope', () => {})).toBe(false)
  stop()
  store.update('1', (m) =>
    m.replies.push({ at: 2, text: 'again', endpoint: 'POST /2/tweets', status: 201 }),
  )
  expect(heard).toEqual(['1:0', '1:1'])
})

test('predictedAt is when the last successful predict ended', () => {
  const m = message('1', 'u1')
  expect(predictedAt(m)).toBeUndefined()
  m.events.push(
    { type: 'stage', eventId: '1', stage: 'predict', startedAt: 1_000, ms: 5, ok: false },
    { type: 'stage', eventId: '1', stage: 'predict', startedAt: 2_000, ms: 40, ok: true },
    { type: 'stage', eventId: '1', stage: 'reply', startedAt: 2_041, ms: 9, ok: true },
  )
  expect(predictedAt(m)).toBe(2_040)
})
