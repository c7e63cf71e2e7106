// Issue 15, finding 6: one Redis user per role. A real redis-server runs the production ACL
// rules (redisAclConfig, the same rules manifests/templates/redis.yaml carries); each role runs
// its real code through it and is refused everything else.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type AclRedisServer, startAclRedisServer, waitFor } from '@tweetbot/testing'
import { silentLogger } from '../../src/log.ts'
import type { RedisRole } from '../../src/queue/acl.ts'
import { runQueueCli } from '../../src/queue/cli.ts'
import { createConsumer, createRedisQueue, PermanentJobError } from '../../src/queue/index.ts'
import { queueKeys } from '../../src/queue/keys.ts'
import { CLAIM, MOVE_JOB, scriptSha } from '../../src/queue/scripts.ts'

const prefix = 'acl-test'
const k = queueKeys(prefix, 'chat')
let redis: AclRedisServer
const clients: Bun.RedisClient[] = []

/** A raw client logged in as `role`, to try what the role's code never sends. */
const as = async (role: RedisRole) => {
  const c = new Bun.RedisClient(redis.urlFor(role), { autoReconnect: false })
  clients.push(c)
  await c.connect()
  return c
}
const refused = (p: Promise<unknown>) => expect(p).rejects.toThrow(/NOPERM/)

beforeAll(async () => {
  redis = await startAclRedisServer(prefix)
})
afterAll(async () => {
  for (const c of clients) c.close()
  await redis.server.destroy()
})

describe('master user', () => {
  test('enqueues through the real producer, also once the script cache was emptied', async () => {
    const q = createRedisQueue({ url: redis.urlFor('master'), prefix })
    expect(await q.ping()).toBe(true)
    expect(await q.enqueue('chat', 'm1', { n: 1 })).toBe('queued')
    expect(await q.enqueue('chat', 'm1', { n: 1 })).toBe('duplicate')
    expect(await q.enqueue('tweet', 't1', { n: 2 })).toBe('queued')
    // A restarted Redis has no scripts loaded (as after SCRIPT FLUSH): the producer loads
    // ENQUEUE (SCRIPT LOAD) and runs it by its SHA, the one script this user may run.
    const admin = await as('admin')
    await admin.send('SCRIPT', ['FLUSH'])
    expect(await q.enqueue('chat', 'm2', { n: 3 })).toBe('queued')
    await q.close()
    expect(await admin.send('LLEN', [k.pending])).toBe(2)
  })

  test('cannot flush, read the lists, run other scripts or touch other keys', async () => {
    const master = await as('master')
    await refused(master.send('FLUSHALL', []))
    await refused(master.send('LRANGE', [k.dead, '0', '-1']))
    await refused(master.send('LRANGE', [k.pending, '0', '-1']))
    await refused(master.send('LLEN', [k.pending]))
    await refused(master.send('GET', [k.seen('m1')]))
    await refused(master.send('EVAL', ['return 1', '0']))
    // Even a script it can load: only the enqueue script's SHA may run.
    await master.send('SCRIPT', ['LOAD', MOVE_JOB.source])
    await refused(
      master.send('EVALSHA', [await scriptSha(MOVE_JOB), '2', k.dead, k.pending, 'x', 'x', 'L']),
    )
    await refused(master.send('SET', [`${prefix}:heartbeat:chat:fake`, '1']))
    await refused(master.send('CONFIG', ['GET', 'requirepass']))
    await refused(master.send('KEYS', ['*']))
    // The real queue's worker-side calls fail for this user too.
    const q = createRedisQueue({ url: redis.urlFor('master'), prefix })
    await expect(q.depths('chat')).rejects.toThrow(/NOPERM/)
    await q.close()
  })
})

describe('worker user', () => {
  test('runs a real consumer: reserve, ack, retry, dead, and reaps a dead consumer', async () => {
    const producer = createRedisQueue({ url: redis.urlFor('master'), prefix })
    const worker = createRedisQueue({
      url: redis.urlFor('worker'),
      prefix,
      heartbeatTtlSec: 1,
      maxAttempts: 3,
      backoff: () => 20,
    })
    // Clear what the master test left, as the admin would.
    const admin = await as('admin')
    await admin.send('DEL', [k.pending, queueKeys(prefix, 'tweet').pending])
    for (const id of ['ok', 'flaky', 'poison', 'orphan'])
      expect(await producer.enqueue('chat', id, { id })).toBe('queued')
    // A ghost consumer takes the first job and dies holding it.
    await worker.heartbeat('chat', 'ghost')
    const held = await worker.reserve('chat', 'ghost', 1)
    expect(held?.job.eventId).toBe('ok')
    await worker.release('ghost')

    const done: string[] = []
    let flakyRuns = 0
    const consumer = createConsumer<{ id: string }>({
      queue: worker,
      name: 'chat',
      concurrency: 2,
      logger: silentLogger,
      pollTimeoutSec: 0.1,
      promoteIntervalMs: 30,
      reapIntervalMs: 200,
      handler: async ({ id }) => {
        if (id === 'poison') throw new PermanentJobError('cannot be answered')
        if (id === 'flaky' && ++flakyRuns === 1) throw new Error('X answered 503')
        done.push(id)
        return 'replied'
      },
    })
    // 'ok' comes back only when the reaper finds the ghost's heartbeat expired.
    await waitFor('ok, flaky (retried) and orphan', () => done.length === 3, 15_000)
    expect(done.sort()).toEqual(['flaky', 'ok', 'orphan'])
    expect(flakyRuns).toBe(2)
    await waitFor('acks', async () => (await worker.depths('chat')).processing === 0)
    const depths = await worker.depths('chat')
    expect(depths).toMatchObject({ pending: 0, processing: 0, delayed: 0, dead: 1 })
    await consumer.close()
    await producer.close()
  })

  test("the scripts' rarer paths are allowed too: a claim that finds its job gone (LPOS)", async () => {
    // Redis checks a script's commands as they run: the consumer test never reaches this branch.
    const worker = await as('worker')
    const sha = String(await worker.send('SCRIPT', ['LOAD', CLAIM.source]))
    const gone = [sha, '1', k.processing('gone'), 'as moved', 'as claimed']
    expect(await worker.send('EVALSHA', gone)).toBe(0)
  })

  test('cannot flush (not even from Lua), enqueue, read dedupe marks or list keys', async () => {
    const worker = await as('worker')
    await refused(worker.send('FLUSHALL', []))
    await refused(worker.send('EVAL', ['return 1', '0']))
    const flush = String(await worker.send('SCRIPT', ['LOAD', "return redis.call('FLUSHALL')"]))
    await expect(worker.send('EVALSHA', [flush, '0'])).rejects.toThrow(
      /user executing the script can't run this command/,
    )
    await refused(worker.send('GET', [k.seen('m1')]))
    await refused(worker.send('KEYS', ['*']))
    await refused(worker.send('CONFIG', ['SET', 'appendonly', 'no']))
    await refused(worker.send('SET', ['someone-else:key', '1']))
    const q = createRedisQueue({ url: redis.urlFor('worker'), prefix })
    await expect(q.enqueue('chat', 'w1', {})).rejects.toThrow(/NOPERM/)
    await q.close()
  })
})

describe('admin user', () => {
  const io = () => {
    const out: string[] = []
    const err: string[] = []
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
  }
  const env = () => ({ REDIS_URL: redis.urlFor('admin'), QUEUE_PREFIX: prefix })

  test('runs the CLI: stats, dead, replay', async () => {
    const stats = io()
    expect(await runQueueCli(['stats', 'chat', '--json'], env(), stats.io)).toBe(0)
    expect(JSON.parse(stats.out[0]!).chat).toMatchObject({ dead: 1, pending: 0 })
    const dead = io()
    expect(await runQueueCli(['dead', 'chat'], env(), dead.io)).toBe(0)
    expect(dead.out.join('\n')).toContain('event poison')
    const replay = io()
    expect(await runQueueCli(['replay', 'chat'], env(), replay.io)).toBe(0)
    expect(replay.out).toEqual(['chat: replayed 1 dead job to pending'])
    const purge = io()
    expect(await runQueueCli(['purge', 'chat', 'pending'], env(), purge.io)).toBe(0)
    expect(purge.out).toEqual(['chat: purged 1 pending job'])
  })

  test('cannot flush, reconfigure, change users or reach keys outside the prefix', async () => {
    const admin = await as('admin')
    await refused(admin.send('FLUSHALL', []))
    await refused(admin.send('FLUSHDB', []))
    await refused(admin.send('CONFIG', ['SET', 'appendonly', 'no']))
    await refused(admin.send('ACL', ['SETUSER', 'master', 'on', '+@all']))
    await refused(admin.send('KEYS', ['*']))
    await refused(admin.send('GET', ['other-app:key']))
  })

  test('a connection that does not log in as one of the users can do nothing', async () => {
    // Raw RESP over TCP: the default user is off, so even PING needs a login.
    const reply = await new Promise<string>((resolve, reject) => {
      Bun.connect({
        hostname: '127.0.0.1',
        port: redis.server.port,
        socket: {
          open: (s) => void s.write('PING\r\n'),
          data: (s, chunk) => {
            resolve(chunk.toString())
            s.end()
          },
          error: (_s, err) => reject(err),
        },
      }).catch(reject)
    })
    expect(reply).toStartWith('-NOAUTH')
  })
})
