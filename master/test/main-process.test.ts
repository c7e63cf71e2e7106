import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { queueKeys } from '@tweetbot/common/queue'
import { freePort, testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { fixtureText } from './fixtures/index.ts'
import { SECRET, sign } from './helpers.ts'

const MAIN = join(import.meta.dir, '../src/main.ts')
const procs: ReturnType<typeof Bun.spawn>[] = []
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL')
})

const spawnMaster = (env: Record<string, string>) => {
  const proc = Bun.spawn(['bun', MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  procs.push(proc)
  return proc
}

const waitHealthy = (base: string) =>
  waitFor(
    'master to become healthy',
    () =>
      fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
  )

describe('bun master/src/main.ts', () => {
  test('answers CRC, queues a signed DM, shows it in metrics, stops on SIGTERM', async () => {
    const port = await freePort()
    const prefix = uniquePrefix('main')
    const proc = spawnMaster({
      PORT: String(port),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      TWITTER_CONSUMER_SECRET: SECRET,
    })
    const base = `http://127.0.0.1:${port}`
    await waitHealthy(base)

    const token = 'cHJvY2Vzcy10ZXN0LWNyYy10b2tlbg'
    const crc = (await (await fetch(`${base}/webhook?crc_token=${token}`)).json()) as {
      response_token: string
    }
    expect(crc.response_token).toBe(sign(token))

    const body = fixtureText('aaa/dm-photo')
    const res = await fetch(`${base}/webhook`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign(body) },
    })
    expect(res.status).toBe(200)
    // The process's own verifier (node:crypto) refuses a body signed with another secret.
    const forged = await fetch(`${base}/webhook`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': sign(body, 'not-the-secret'),
      },
    })
    expect(forged.status).toBe(401)
    const redis = new Bun.RedisClient(testRedisUrl())
    const pending = (await redis.send('LRANGE', [
      queueKeys(prefix, 'chat').pending,
      '0',
      '-1',
    ])) as string[]
    redis.close()
    expect(pending.map((raw) => JSON.parse(raw).eventId)).toEqual(['954491830116155396'])
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(
      'tweetbot_master_events_total{api="aaa",kind="direct_message",outcome="queued"',
    )

    // Bun itself refuses a declared body over WEBHOOK_MAX_BODY_BYTES (default 1 MiB).
    const big = await fetch(`${base}/webhook`, {
      method: 'POST',
      body: ' '.repeat(1024 * 1024 + 1),
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign('{}') },
    })
    expect(big.status).toBe(413)

    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(await new Response(proc.stdout as ReadableStream).text()).toContain('"msg":"stopped"')
  })

  test('refuses to start without TWITTER_CONSUMER_SECRET, naming it', async () => {
    const proc = spawnMaster({ PORT: String(await freePort()), REDIS_URL: testRedisUrl() })
    expect(await proc.exited).toBe(2)
    const stderr = await new Response(proc.stderr as ReadableStream).text()
    expect(stderr).toContain('TWITTER_CONSUMER_SECRET: required but not set')
  })
})
