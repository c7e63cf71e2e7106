import { afterAll, describe, expect, test } from 'bun:test'
import { openConnection, queueKeys } from '@tweetbot/common/queue'
import { testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { createSenderThrottle, verdictFor } from '../src/pipeline/sender-throttle.ts'

const redis = new Bun.RedisClient(testRedisUrl())
const conn = openConnection(testRedisUrl(), { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 })
afterAll(() => {
  redis.close()
  conn.close()
})

const throttleAt = (clock: { now: number }, limit = 3, windowSec = 60) => {
  const keys = queueKeys(uniquePrefix('throttle'), 'chat')
  const throttle = createSenderThrottle({
    redis: conn,
    keyFor: keys.throttle,
    limit,
    windowSec,
    now: () => clock.now,
  })
  return { throttle, keys }
}

describe('per-sender throttle (real Redis)', () => {
  test('verdicts: `limit` replies, then one slow-down, then silence', () => {
    expect([1, 2, 3, 4, 5, 6].map((rank) => verdictFor(rank, 3))).toEqual([
      'reply',
      'reply',
      'reply',
      'slow-down',
      'silent',
      'silent',
    ])
  })

  test('one sender in one window; another sender has a count of its own', async () => {
    const clock = { now: 1_000 * 60_000 }
    const { throttle, keys } = throttleAt(clock)
    const verdicts = []
    for (let i = 1; i <= 6; i++) verdicts.push(await throttle.check('alice', `a${i}`))
    expect(verdicts).toEqual(['reply', 'reply', 'reply', 'slow-down', 'silent', 'silent'])
    expect(await throttle.check('bob', 'b1')).toBe('reply')
    // The count expires a little after its window.
    const ttl = await redis.ttl(keys.throttle('alice', 1_000))
    expect(ttl).toBeGreaterThan(60)
    expect(ttl).toBeLessThanOrEqual(120)
  })

  test('a retried or redelivered event keeps its verdict (it is not counted twice)', async () => {
    const clock = { now: 5 * 60_000 }
    const { throttle } = throttleAt(clock, 2)
    expect(await throttle.check('carol', 'c1')).toBe('reply')
    expect(await throttle.check('carol', 'c1')).toBe('reply')
    expect(await throttle.check('carol', 'c2')).toBe('reply')
    expect(await throttle.check('carol', 'c3')).toBe('slow-down')
    expect(await throttle.check('carol', 'c3')).toBe('slow-down')
    expect(await throttle.check('carol', 'c4')).toBe('silent')
  })

  test('concurrent checks from several workers hand out each rank once', async () => {
    const clock = { now: 7 * 60_000 }
    const { throttle } = throttleAt(clock, 5)
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => throttle.check('dave', `d${i}`)),
    )
    expect(verdicts.filter((v) => v === 'reply')).toHaveLength(5)
    expect(verdicts.filter((v) => v === 'slow-down')).toHaveLength(1)
    expect(verdicts.filter((v) => v === 'silent')).toHaveLength(44)
  })

  test('once the window has passed the sender is answered again', async () => {
    const clock = { now: 9 * 60_000 }
    const { throttle } = throttleAt(clock, 1)
    expect(await throttle.check('erin', 'e1')).toBe('reply')
    expect(await throttle.check('erin', 'e2')).toBe('slow-down')
    clock.now += 59_999
    expect(await throttle.check('erin', 'e3')).toBe('silent')
    clock.now += 1
    expect(await throttle.check('erin', 'e4')).toBe('reply')
  })

  test('bad settings fail at construction', () => {
    const keyFor = () => 'k'
    expect(() => createSenderThrottle({ redis: conn, keyFor, limit: 0, windowSec: 60 })).toThrow(
      /limit/,
    )
    expect(() => createSenderThrottle({ redis: conn, keyFor, limit: 1, windowSec: 0 })).toThrow(
      /windowSec/,
    )
  })
})
