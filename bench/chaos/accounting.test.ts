import { describe, expect, test } from 'bun:test'
import { account, normaliseReason, replyRecordOf, type SentEvent } from './accounting.ts'

const ev = (id: string, o: Partial<SentEvent> = {}): SentEvent => ({
  eventId: id,
  queue: 'chat',
  senderId: `s${id}`,
  firstPostAt: 1_000,
  acceptedAt: 1_100,
  ...o,
})

describe('account', () => {
  test('an accepted event with no reply, no dead entry and no doubt is lost', () => {
    const a = account({
      events: [ev('1'), ev('2')],
      replies: [{ queue: 'chat', target: 's1', status: 201, at: 2_000 }],
      dead: [],
    })
    expect(a).toMatchObject({ accepted: 2, replied: 1, lost: 1, lostIds: ['2'], settled: 1 })
  })

  test('DM replies match on the sender, tweet replies on the tweet id', () => {
    const a = account({
      events: [ev('1'), ev('2', { queue: 'tweet', senderId: 'author' })],
      replies: [
        { queue: 'chat', target: '1', status: 201, at: 2_000 },
        { queue: 'tweet', target: '2', status: 201, at: 2_000 },
      ],
      dead: [],
    })
    expect(a.replied).toBe(1)
    expect(a.lostIds).toEqual(['1'])
  })

  test('only 2xx answers count as replies; a second 2xx is a duplicate', () => {
    const a = account({
      events: [ev('1'), ev('2')],
      replies: [
        { queue: 'chat', target: 's1', status: 429, at: 1_500 },
        { queue: 'chat', target: 's1', status: 201, at: 2_000 },
        { queue: 'chat', target: 's2', status: 201, at: 2_000 },
        { queue: 'chat', target: 's2', status: 201, at: 3_000 },
      ],
      dead: [],
    })
    expect(a).toMatchObject({ replied: 2, duplicated: 1, duplicatedInWindow: 0, lost: 0 })
  })

  test('a duplicate whose extra replies were all answered late is in the documented window', () => {
    const a = account({
      events: [ev('1')],
      replies: [
        { queue: 'chat', target: 's1', status: 201, at: 2_000, late: true },
        { queue: 'chat', target: 's1', status: 201, at: 9_000 },
      ],
      dead: [],
    })
    expect(a).toMatchObject({ duplicated: 1, duplicatedInWindow: 1 })
  })

  test('buried events are counted with grouped reasons, unexpected ones apart', () => {
    const a = account({
      events: [ev('1', { expectBury: true }), ev('2', { expectBury: true }), ev('3')],
      replies: [],
      dead: [
        { queue: 'chat', eventId: '1', lastError: 'media rejected: http://h:1/a/123456.jpg 404' },
        { queue: 'chat', eventId: '2', lastError: 'media rejected: http://h:1/a/987654.jpg 404' },
        { queue: 'chat', eventId: '3', lastError: 'tf-serving answered 0' },
      ],
    })
    expect(a).toMatchObject({ buried: 3, buriedUnexpected: 1, lost: 0 })
    expect(a.buriedReasons).toEqual({
      'media rejected: <url> 404': 2,
      'tf-serving answered 0': 1,
    })
  })

  test('a burial whose reason the scenario expects is not unexpected', () => {
    const a = account({
      events: [ev('1'), ev('2')],
      replies: [],
      dead: [
        { queue: 'chat', eventId: '1', lastError: 'tf-serving answered 0: connection refused' },
        { queue: 'chat', eventId: '2', lastError: 'X answered 403' },
      ],
      expectedBuryReason: /tf-serving/,
    })
    expect(a).toMatchObject({ buried: 2, buriedUnexpected: 1 })
  })

  test('in-doubt events are neither lost nor replied; never-accepted ones are given up', () => {
    const a = account({
      events: [ev('1'), ev('2', { acceptedAt: undefined })],
      replies: [],
      dead: [],
      inDoubt: new Set(['1']),
    })
    expect(a).toMatchObject({ sent: 2, accepted: 1, givenUp: 1, inDoubt: 1, lost: 0 })
  })

  test('recovery: from the fault end to the last settle of events accepted before it', () => {
    const events = [
      ev('1', { acceptedAt: 1_000 }),
      ev('2', { acceptedAt: 4_000 }),
      ev('3', { acceptedAt: 6_000 }),
    ]
    const replies = [
      { queue: 'chat' as const, target: 's1', status: 201, at: 7_500 },
      { queue: 'chat' as const, target: 's2', status: 201, at: 5_200 },
      { queue: 'chat' as const, target: 's3', status: 201, at: 9_000 },
    ]
    expect(account({ events, replies, dead: [], faultEndAt: 5_000 }).recoveryMs).toBe(2_500)
    // Event 1 never answered: the stack did not recover.
    const a = account({ events, replies: replies.slice(1), dead: [], faultEndAt: 5_000 })
    expect(a.recoveryMs).toBeUndefined()
    expect(a.lostIds).toEqual(['1'])
  })

  test('latency percentiles run from first delivery to first accepted reply', () => {
    const events = Array.from({ length: 10 }, (_, i) => ev(String(i), { firstPostAt: 0 }))
    const replies = events.map((e, i) => ({
      queue: 'chat' as const,
      target: e.senderId,
      status: 201,
      at: (i + 1) * 100,
    }))
    const a = account({ events, replies, dead: [] })
    expect(a.latencyP50Ms).toBe(600)
    expect(a.latencyP99Ms).toBe(1_000)
  })
})

describe('replyRecordOf', () => {
  test('reads the target of DM (v2, v1.1) and tweet replies, ignores other requests', () => {
    const base = { method: 'POST', status: 201, at: 5 }
    expect(replyRecordOf({ ...base, path: '/2/dm_conversations/with/42/messages' })).toEqual({
      queue: 'chat',
      target: '42',
      status: 201,
      at: 5,
      late: false,
    })
    expect(
      replyRecordOf({
        ...base,
        path: '/1.1/direct_messages/events/new.json',
        json: { event: { message_create: { target: { recipient_id: '7' } } } },
      })?.target,
    ).toBe('7')
    expect(
      replyRecordOf(
        { ...base, path: '/2/tweets', json: { text: 'hi', reply: { in_reply_to_tweet_id: '99' } } },
        true,
      ),
    ).toMatchObject({ queue: 'tweet', target: '99', late: true })
    expect(replyRecordOf({ ...base, path: '/2/tweets', json: { text: 'not a reply' } })).toBe(
      undefined,
    )
    expect(replyRecordOf({ ...base, method: 'GET', path: '/2/users/me' })).toBe(undefined)
  })

  test('normaliseReason groups errors that differ only in ids and URLs', () => {
    expect(normaliseReason('X answered 503 for 1234567')).toBe(
      normaliseReason('X answered 503 for 99999'),
    )
    expect(normaliseReason(undefined)).toBe('unknown')
  })
})
