import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type RedisServerHandle, startRedisServer } from '@tweetbot/testing'
import { BOT_ID, fixture, fixtureText } from './fixtures/index.ts'
import { type Harness, metric, startHarness } from './helpers.ts'

let redis: RedisServerHandle
let h: Harness
beforeAll(async () => {
  redis = await startRedisServer()
  h = startHarness({ redisUrl: redis.url, connectTimeoutMs: 300 })
})
afterAll(async () => {
  await h.close()
  await redis.destroy()
})

describe('Redis outage', () => {
  test('Redis stopped → 503 (readyz too); Redis back → the same delivery is queued once', async () => {
    const body = fixtureText('aaa/dm-photo')
    await redis.stop()
    const down = await h.post(body)
    expect(down.status).toBe(503)
    expect(((await down.json()) as { failed: number }).failed).toBe(1)
    expect((await h.app.request('/readyz')).status).toBe(503)

    await redis.restart()
    expect((await h.post(body)).status).toBe(200)
    expect((await h.post(body)).status).toBe(200)
    expect((await h.jobs('chat')).map((j) => j.eventId)).toEqual(['954491830116155396'])
    expect((await h.app.request('/readyz')).status).toBe(200)
    const text = await h.metrics()
    expect(metric(text, 'tweetbot_master_events_total', { outcome: 'failed' })).toBe(1)
  })

  test('A queued before the outage, B failed during it: the retry queues B and not A again', async () => {
    const a = fixture('aaa/mixed') as { direct_message_events: unknown[] }
    const onlyA = { for_user_id: BOT_ID, direct_message_events: [a.direct_message_events[0]] }
    const both = {
      for_user_id: BOT_ID,
      direct_message_events: [a.direct_message_events[0], a.direct_message_events[2]],
    }
    expect((await h.post(JSON.stringify(onlyA))).status).toBe(200)
    const before = (await h.jobs('chat')).length

    await redis.stop()
    expect((await h.post(JSON.stringify(both))).status).toBe(503)
    await redis.restart()

    const retry = await h.post(JSON.stringify(both))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ queued: 1, duplicate: 1 })
    const ids = (await h.jobs('chat')).slice(before).map((j) => j.eventId)
    expect(ids).toEqual(['954491830116155502'])
  })
})
