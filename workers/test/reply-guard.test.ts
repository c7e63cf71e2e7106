import { afterAll, describe, expect, test } from 'bun:test'
import { openConnection } from '@tweetbot/common/queue'
import { testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { createReplyGuard, replyMarkKey } from '../src/reply/reply-guard.ts'

const redis = new Bun.RedisClient(testRedisUrl())
const conn = openConnection(testRedisUrl(), { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 })
afterAll(() => {
  redis.close()
  conn.close()
})
const prefix = uniquePrefix('guard')
const keys = { replied: (eventId: string) => replyMarkKey(prefix, 'chat', eventId) }
const guard = createReplyGuard({
  redis: conn,
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
    expect(await guard.isSettled('e2')).toBe(false) // in doubt is not settled: X is asked
    if (doubt.state !== 'in-doubt') throw new Error('unreachable')
    await Bun.sleep(2)
    expect(await guard.reclaim('e2', doubt.since)).toBe(true)
    const again = await guard.claim('e2')
    expect(again.state).toBe('in-doubt')
    expect(again.state === 'in-doubt' && again.since).toBeGreaterThan(doubt.since)
  })

  test('reclaim is compare-and-set: only the attempt that saw that claim takes it over', async () => {
    await guard.claim('e5')
    const doubt = await guard.claim('e5')
    if (doubt.state !== 'in-doubt') throw new Error('expected in-doubt')
    await Bun.sleep(2)
    const results = await Promise.all([
      guard.reclaim('e5', doubt.since),
      guard.reclaim('e5', doubt.since),
    ])
    expect(results.filter(Boolean)).toHaveLength(1)
    await guard.markSent('e5')
    expect(await guard.reclaim('e5', doubt.since)).toBe(false)
    expect(await guard.claim('e5')).toEqual({ state: 'already-sent' })
  })

  test('a mark released right as a claim looks at it is never read as in doubt since 1970', async () => {
    // Another attempt releases (or the TTL ends) the mark between our claim's commands. Before
    // claim was one script, SET NX failed, the key vanished, GET gave null and the claim reported
    // `in-doubt` with since = 0: settling it asked X for any reply since the epoch.
    const released = async <T>(key: string | undefined, sent: Promise<T>) => {
      const out = await sent
      if (key === keys.replied('e6')) await redis.send('DEL', [keys.replied('e6')])
      return out
    }
    const racing = createReplyGuard({
      redis: {
        send: (cmd, args) => released(args[0], conn.send(cmd, args)),
        eval: (script, scriptKeys, args) =>
          released(scriptKeys[0], conn.eval(script, scriptKeys, args)),
      },
      keyFor: keys.replied,
      ttlSeconds: 60,
    })
    const before = Date.now()
    expect(await guard.claim('e6')).toEqual({ state: 'claimed' })
    const seen = await racing.claim('e6')
    expect(seen.state).toBe('in-doubt')
    expect(seen.state === 'in-doubt' && seen.since).toBeGreaterThanOrEqual(before)
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
