// Job events go out on Redis pub/sub as JSON the schema reads back; a failed publish is dropped.
import { expect, test } from 'bun:test'
import { testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import {
  createJobEventPublisher,
  type JobEvent,
  jobEventSchema,
  jobEventsChannel,
} from '../src/job-events.ts'

test('a published event reaches a subscriber of its queue channel, intact', async () => {
  const channel = jobEventsChannel(uniquePrefix('events'), 'chat')
  expect(channel).toEndWith(':events:chat')
  const sub = new Bun.RedisClient(testRedisUrl())
  const pub = new Bun.RedisClient(testRedisUrl())
  const got: unknown[] = []
  await sub.subscribe(channel, (raw) => got.push(JSON.parse(raw)))
  const emit = createJobEventPublisher((cmd, args) => pub.send(cmd, args), channel)
  const event: JobEvent = {
    type: 'stage',
    eventId: '42',
    stage: 'predict',
    startedAt: 1,
    ms: 12.5,
    ok: true,
  }
  emit(event)
  await waitFor('the event', () => got.length === 1, 5_000)
  expect(jobEventSchema.parse(got[0])).toEqual(event)
  sub.close()
  pub.close()
})

test('a publish that fails never throws at the job', async () => {
  let calls = 0
  const emit = createJobEventPublisher(async () => {
    calls++
    throw new Error('redis is away')
  }, 'x:events:chat')
  expect(() =>
    emit({ type: 'finished', eventId: '1', outcome: 'replied', at: Date.now() }),
  ).not.toThrow()
  await Bun.sleep(10)
  expect(calls).toBe(1)
})
