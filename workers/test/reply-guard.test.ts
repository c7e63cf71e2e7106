import { afterAll, describe, expect, test } from 'bun:test'
import { queueKeys } from '@tweetbot/common/src/queue/keys.ts'
import { testRedisUrl, uniquePrefix } from '@tweetbot/common/src/testing/index.ts'
import { createReplyGuard } from '../src/pipeline/reply-guard.ts'

const redis = new Bun.RedisClient(testRedisUrl())
afterAll(() => redis.close())
const keys = queueKeys(uniquePrefix('guard'), 'chat')
const guard = createReplyGuard({
  send: (cmd, args) => redis.send(cmd, args),
  keyFor: keys.replied,
  ttlSeconds: 60,
})

describe('reply guard (at most one reply per event)', () => {
  test('claim → sent: later attempts see already-sent', async () => {
    expect(await guard.isSettled('e1')).toBe(false)
    expect(await guard.claim('e1')).toEqual({ state: 'claimed' })
    await guard.markSent('e1')
    expect(await guard.isSettled('e1')).toBe(true)
    expect(await guard.claim('e1')).toEqual({ state: 'already-sent' })
    expect(await redis.ttl(keys.replied('e1'))).toBeGreaterThan(0)
  })

  test('a claim never finished (worker died while sending) is in doubt, with its time', async () => {
    const before = Date.now()
    expect(await guard.claim('e2')).toEqual({ state: 'claimed' })
    const doubt = await guard.claim('e2')
    expect(doubt.state).toBe('in-doubt')
    expect(doubt.state === 'in-doubt' && doubt.since).toBeGreaterThanOrEqual(before)
    await guard.reclaim('e2')
    expect((await guard.claim('e2')).state).toBe('in-doubt')
  })

  test('a release after a definite failure lets the retry claim again', async () => {
    expect(await guard.claim('e3')).toEqual({ state: 'claimed' })
    await guard.release('e3')
    expect(await guard.claim('e3')).toEqual({ state: 'claimed' })
  })

  test('only one of many concurrent claims wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => guard.claim('e4')))
    expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1)
  })
})
