import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createRedisQueue, queueKeys } from '@tweetbot/common/queue'
import { freePort, testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { attackWithAutocannon } from '../src/autocannon-attack.ts'
import { generateTargets, readVegetaJson, type Target, toVegetaJson } from '../src/targets.ts'
import { repoRoot } from './run-attack-script.ts'
import { waitHttpOk } from './wait-http.ts'

// A real master process (bun master/src/main.ts) on a loopback port, the run's private Redis.
const SECRET = 'master-post-secret'
const prefix = uniquePrefix('lt')
let master: ReturnType<typeof Bun.spawn> | undefined
let url = ''
const queue = createRedisQueue({ url: testRedisUrl(), prefix })

beforeAll(async () => {
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  master = Bun.spawn(['bun', 'master/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      TWITTER_CONSUMER_SECRET: SECRET,
    },
    stdout: 'ignore',
    stderr: 'pipe',
  })
  await waitHttpOk(`${url}/readyz`, 15_000)
})

afterAll(async () => {
  master?.kill('SIGTERM')
  await master?.exited
  await queue.close()
})

const post = (t: Target) =>
  fetch(`${url}/webhook`, {
    method: 'POST',
    body: t.body,
    headers: Object.fromEntries(Object.entries(t.header).map(([k, v]) => [k, v.join(', ')])),
  })

/** `count` signed targets for this file's master (a DM/mention mix unless told otherwise). */
const targetsFor = (count: number, over: { kind?: 'dm' | 'mix'; secret?: string } = {}) =>
  generateTargets({
    count,
    kind: over.kind ?? 'mix',
    url: `${url}/webhook`,
    secret: over.secret ?? SECRET,
    mediaBaseUrl: 'http://127.0.0.1:9100',
  })

test('posting generated targets to a running master queues each event exactly once', async () => {
  const targets = await targetsFor(20)
  const first = await Promise.all(
    targets.map(async (t) => {
      const res = await post(t)
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }),
  )
  for (const r of first) {
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ api: 'aaa', queued: 1, duplicate: 0, rejected: 0 })
  }
  // X retries deliveries: sending the same targets again must queue nothing more.
  for (const t of targets.slice(0, 5)) {
    const res = await post(t)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ queued: 0, duplicate: 1 })
  }
  const stats = await queue.stats()
  expect(stats.chat.pending).toBe(10)
  expect(stats.tweet.pending).toBe(10)
  for (const [name, kind] of [
    ['chat', 'dm'],
    ['tweet', 'tweet'],
  ] as const) {
    const client = new Bun.RedisClient(testRedisUrl())
    const jobs = (await client.send('LRANGE', [
      queueKeys(prefix, name).pending,
      '0',
      '-1',
    ])) as string[]
    client.close()
    const ids = jobs.map((j) => (JSON.parse(j) as { eventId: string }).eventId).sort()
    expect(ids).toEqual(
      targets
        .filter((t) => t.kind === kind)
        .map((t) => t.eventId)
        .sort(),
    )
  }
})

test('a target signed with another secret is refused (401), so the secret must match', async () => {
  const [t] = await targetsFor(1, { kind: 'dm', secret: 'not-the-master-secret' })
  expect((await post(t!)).status).toBe(401)
})

test('the autocannon attack sends every target exactly once, all accepted', async () => {
  const before = await queue.stats()
  const targets = await targetsFor(30)
  // Through the same file format the script uses.
  const parsed = readVegetaJson(targets.map(toVegetaJson).join('\n'))
  const { summary, records } = await attackWithAutocannon({
    targets: parsed,
    rate: 20,
    durationSec: 1.5,
  })
  expect(summary.requests).toBe(30)
  expect(summary.statusCodes).toEqual({ '200': 30 })
  expect(records.every((r) => r.latencyMs > 0)).toBe(true)
  const after = await queue.stats()
  // 30 distinct events queued: a target sent twice would be a duplicate, one never sent missing.
  expect(after.chat.pending - before.chat.pending).toBe(15)
  expect(after.tweet.pending - before.tweet.pending).toBe(15)
})
