// Issue 15, finding 6: the worker's Redis user (common/src/queue/acl.ts) is enough for the reply
// guard's marks and scripts, and the master's user is refused them.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { openConnection, queueKeys } from '@tweetbot/common/queue'
import { type AclRedisServer, startAclRedisServer } from '@tweetbot/testing'
import { createSenderThrottle } from '../src/pipeline/sender-throttle.ts'
import { createReplyGuard, replyMarkKey } from '../src/reply/reply-guard.ts'

const prefix = 'guard-acl'
let redis: AclRedisServer
beforeAll(async () => {
  redis = await startAclRedisServer(prefix)
})
afterAll(() => redis.server.destroy())

const connectAs = (role: 'worker' | 'master') =>
  openConnection(redis.urlFor(role), { connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 })

const guardAs = (role: 'worker' | 'master') => {
  const conn = connectAs(role)
  const guard = createReplyGuard({
    redis: conn,
    keyFor: (eventId) => replyMarkKey(prefix, 'chat', eventId),
    ttlSeconds: 60,
  })
  return { guard, close: () => conn.close() }
}

test('the worker user claims, reclaims, marks sent and releases', async () => {
  const { guard, close } = guardAs('worker')
  expect(await guard.claim('e1')).toEqual({ state: 'claimed' })
  const doubt = await guard.claim('e1')
  expect(doubt.state).toBe('in-doubt')
  if (doubt.state !== 'in-doubt') throw new Error('unreachable')
  expect(await guard.reclaim('e1', doubt.since)).toBe(true)
  await guard.markSent('e1')
  expect(await guard.isSettled('e1')).toBe(true)
  expect(await guard.claim('e1')).toEqual({ state: 'already-sent' })
  expect(await guard.claim('e2')).toEqual({ state: 'claimed' })
  await guard.release('e2')
  expect(await guard.claim('e2')).toEqual({ state: 'claimed' })
  close()
})

test('the master user may not touch reply marks', async () => {
  const { guard, close } = guardAs('master')
  await expect(guard.isSettled('e1')).rejects.toThrow(/NOPERM/)
  await expect(guard.claim('e3')).rejects.toThrow(/NOPERM/)
  close()
})

test('the worker user can run the per-sender throttle; the master user cannot', async () => {
  const throttleAs = (role: 'worker' | 'master') => {
    const conn = connectAs(role)
    const throttle = createSenderThrottle({
      redis: conn,
      keyFor: queueKeys(prefix, 'chat').throttle,
      limit: 1,
      windowSec: 60,
    })
    return { throttle, close: () => conn.close() }
  }
  const worker = throttleAs('worker')
  const first = await worker.throttle.check('42', 'e1')
  const second = await worker.throttle.check('42', 'e2')
  expect(first).not.toEqual(second)
  // The script really counted under this user: the limit's one reply, then the slow-down.
  expect([first, second]).toEqual(['reply', 'slow-down'])
  worker.close()
  const master = throttleAs('master')
  await expect(master.throttle.check('42', 'e3')).rejects.toThrow(/NOPERM/)
  master.close()
})
