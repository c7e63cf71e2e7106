import { describe, expect, test } from 'bun:test'
import { chatJobSchema, tweetJobSchema } from '@tweetbot/common/jobs'
import { routeDelivery } from '../src/deliveries/route-delivery.ts'
import type { EventDecision } from '../src/deliveries/types.ts'
import { BOT_ID, fixture } from './fixtures/index.ts'

/** The decisions for a delivery body (a fixture's name, or the body itself). */
const decide = (delivery: string | object): EventDecision[] => {
  const verdict = routeDelivery(typeof delivery === 'string' ? fixture(delivery) : delivery)
  if (!verdict.ok) throw new Error(`not a delivery: ${verdict.reason}`)
  return verdict.decisions
}
const summary = (ds: EventDecision[]) =>
  ds.map((d) =>
    d.outcome === 'route' ? `${d.kind}:${d.queue}:${d.eventId}` : `${d.kind}:${d.outcome}`,
  )
const routed = (d: EventDecision | undefined) => {
  if (d?.outcome !== 'route') throw new Error(`not routed: ${JSON.stringify(d)}`)
  return d
}

/** Each fixture's routing: `kind:queue:eventId` for an event that becomes a job, else `kind:outcome`. */
const ROUTES: [fixture: string, routed: string[]][] = [
  ['aaa/dm-photo', ['direct_message:chat:954491830116155396']],
  ['aaa/dm-from-bot', ['direct_message:ignored']],
  ['aaa/mention-photo', ['tweet_create:tweet:1924465506158878979']],
  ['aaa/mention-extended', ['tweet_create:tweet:1924465506158878990']],
  ['aaa/mention-by-bot', ['tweet_create:ignored']],
  ['aaa/retweet-of-mention', ['tweet_create:ignored']],
  ['aaa/tweet-no-mention', ['tweet_create:ignored']],
  ['aaa/typing', ['direct_message_indicate_typing:ignored']],
  ['aaa/read', ['direct_message_mark_read:ignored']],
  ['aaa/favorite', ['favorite:ignored']],
  ['aaa/follow', ['follow:ignored']],
  ['aaa/tweet-delete', ['tweet_delete:ignored']],
  ['aaa/user-event-revoke', ['user_event:ignored']],
  [
    'aaa/mixed',
    [
      'direct_message:chat:954491830116155500',
      'direct_message:ignored',
      'direct_message:chat:954491830116155502',
      'direct_message_indicate_typing:ignored',
      'tweet_create:tweet:1924465506158879300',
      'tweet_create:ignored',
    ],
  ],
  ['xaa/dm-received', ['dm.received:chat:2080765901528535096']],
  ['xaa/dm-received-photo', ['dm.received:chat:954491830116155396']],
  ['xaa/dm-received-echo', ['dm.received:ignored']],
  ['xaa/dm-sent', ['dm.sent:ignored']],
  ['xaa/post-mention', ['post.mention.create:tweet:2080765813578191303']],
  ['xaa/post-mention-photo', ['post.mention.create:tweet:2080765813578191400']],
  ['xaa/post-mention-by-bot', ['post.mention.create:ignored']],
  ['xaa/post-reply', ['post.reply.create:tweet:2080765813578191600']],
  ['xaa/chat-received', ['chat.received:ignored']],
  ['xaa/oauth-revoke', ['oauth.revoke:ignored']],
]

/** One test a fixture of that API: its events route as ROUTES lists. */
const routesAsListed = (api: 'aaa' | 'xaa') => {
  for (const [name, expected] of ROUTES.filter(([name]) => name.startsWith(`${api}/`)))
    test(name, () => {
      expect(summary(decide(name))).toEqual(expected)
    })
}

describe('Account Activity routing table', () => {
  routesAsListed('aaa')

  test('a DM with a photo becomes a chat job with the sender, media and clean text', () => {
    const d = routed(decide('aaa/dm-photo')[0])
    const job = chatJobSchema.parse(d.job)
    expect(job).toEqual({
      kind: 'dm',
      api: 'aaa',
      botId: BOT_ID,
      eventId: '954491830116155396',
      text: 'what is this?',
      media: [
        {
          url: 'https://ton.twitter.com/1.1/ton/data/dm/954491830116155396/1221092866912550912/OwIPMAFC.png',
          type: 'photo',
          mediaKey: '1221092866912550912',
        },
      ],
      needsMediaLookup: false,
      createdAt: '2018-01-19T23:12:40.557Z',
      sender: { id: '3001969357', screenName: 'furiouscamper', name: 'Jordan' },
    })
    // Nothing from X's payload beyond the job fields (apps, sizes, profile data) is carried.
    expect(JSON.stringify(d.job)).not.toContain('profile_image')
  })

  test('a mention with photos becomes a tweet job with every photo from extended_entities', () => {
    const job = tweetJobSchema.parse(routed(decide('aaa/mention-photo')[0]).job)
    expect(job.tweetId).toBe('1924465506158878979')
    expect(job.author).toEqual({ id: '6253282', screenName: 'someone', name: 'Some One' })
    expect(job.text).toBe('@imagebot what breed is this?')
    expect(job.media.map((m) => m.url)).toEqual([
      'https://pbs.twimg.com/media/DOhM30VVwAEpIHq.jpg',
      'https://pbs.twimg.com/media/DOhM30VVwAEpIHr.jpg',
    ])
    expect(job.botId).toBe(BOT_ID)
  })

  test('a mention past char 140 is found in extended_tweet, with its full text and photo', () => {
    const job = tweetJobSchema.parse(routed(decide('aaa/mention-extended')[0]).job)
    expect(job.text).toEndWith('@imagebot tell me what this is')
    expect(job.media).toEqual([
      {
        url: 'https://pbs.twimg.com/media/Xyz.jpg',
        type: 'photo',
        mediaKey: '1924465500000000009',
      },
    ])
  })

  test('the mixed delivery keeps each DM sender', () => {
    const jobs = decide('aaa/mixed').flatMap((d) => (d.outcome === 'route' ? [d.job] : []))
    expect(jobs.map((j) => (j.kind === 'dm' ? j.sender.screenName : j.author.screenName))).toEqual([
      'furiouscamper',
      'other',
      'other',
    ])
  })

  test('one bad event is rejected alone; the others are still decided', () => {
    const body = fixture('aaa/mixed') as { direct_message_events: unknown[] }
    body.direct_message_events[1] = { type: 'message_create', id: 'not-an-id' }
    const outcomes = routeDelivery(body)
    expect(outcomes.ok && outcomes.decisions.map((d) => d.outcome)).toEqual([
      'route',
      'rejected',
      'route',
      'ignored',
      'route',
      'ignored',
    ])
  })

  test('DMs and tweets without for_user_id cannot be attributed and are rejected', () => {
    const body = fixture('aaa/dm-photo') as Record<string, unknown>
    delete body.for_user_id
    const verdict = routeDelivery(body)
    expect(verdict.ok && verdict.decisions.map((d) => d.outcome)).toEqual(['rejected'])
  })

  test('bodies that are not webhook payloads', () => {
    for (const body of [null, 1, 'x', [], {}, { hello: 'world' }, { for_user_id: 12 }])
      expect(routeDelivery(body).ok).toBe(false)
  })
})

describe('X Activity routing table', () => {
  routesAsListed('xaa')

  test('dm.received normalises to the same job as its AAA twin, apart from the api', () => {
    const aaa = routed(decide('aaa/dm-photo')[0]).job
    const xaa = routed(decide('xaa/dm-received-photo')[0]).job
    expect({ ...xaa, api: 'aaa' }).toEqual(aaa)
  })

  test('a text-only dm.received asks the worker to look media up', () => {
    const job = chatJobSchema.parse(routed(decide('xaa/dm-received')[0]).job)
    expect(job).toMatchObject({
      api: 'xaa',
      text: 'hello!',
      media: [],
      needsMediaLookup: true,
      sender: { id: '3001969357', screenName: 'furiouscamper', name: 'Jordan' },
    })
  })

  test('post.mention.create takes the author from includes.users and media from includes.media', () => {
    const plain = tweetJobSchema.parse(routed(decide('xaa/post-mention')[0]).job)
    expect(plain.author).toEqual({ id: '6253282', screenName: 'someone', name: 'Some One' })
    expect(plain.needsMediaLookup).toBe(true)
    const photo = tweetJobSchema.parse(routed(decide('xaa/post-mention-photo')[0]).job)
    // includes.users wrapped in { data } and includes.posts (renamed tweets) are both accepted.
    expect(photo.author.screenName).toBe('someone')
    expect(photo.media).toEqual([
      {
        url: 'https://pbs.twimg.com/media/GxYz123.jpg',
        type: 'photo',
        mediaKey: '3_2080765813000000001',
      },
    ])
    expect(photo.needsMediaLookup).toBe(false)
    expect(photo.text).toBe('@imagebot what is this?')
  })

  test('a sender or author the delivery does not name keeps the id alone, under both APIs', () => {
    const aaa = fixture('aaa/dm-photo') as { users?: unknown }
    const dm = routed(decide({ ...aaa, users: {} })[0])
    expect(chatJobSchema.parse(dm.job).sender).toEqual({ id: '3001969357' })
    const xaa = fixture('xaa/post-mention') as { data: { includes?: unknown } }
    xaa.data.includes = { users: [{ id: '6253282', username: '', name: '' }] }
    const post = routed(decide(xaa)[0])
    expect(tweetJobSchema.parse(post.job).author).toEqual({ id: '6253282' })
  })

  test('dm.received without filter.user_id is rejected', () => {
    const body = fixture('xaa/dm-received') as { data: { filter?: unknown } }
    delete body.data.filter
    const verdict = routeDelivery(body)
    expect(verdict.ok && verdict.decisions.map((d) => d.outcome)).toEqual(['rejected'])
  })

  test('an array of XAA events in data is accepted', () => {
    const a = (fixture('xaa/dm-received') as { data: unknown }).data
    const b = (fixture('xaa/post-mention') as { data: unknown }).data
    const verdict = routeDelivery({ data: [a, b] })
    expect(verdict.ok && summary(verdict.decisions)).toEqual([
      'dm.received:chat:2080765901528535096',
      'post.mention.create:tweet:2080765813578191303',
    ])
  })
})
