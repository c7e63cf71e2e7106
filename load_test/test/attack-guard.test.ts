import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRedisQueue } from '@tweetbot/common/queue'
import { freePort, testRedisUrl, uniquePrefix } from '@tweetbot/testing'

import { repoRoot, runAttackScript } from './run-attack-script.ts'
import { waitHttpOk } from './wait-http.ts'

const out = mkdtempSync(join(tmpdir(), 'attack-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('the attack refuses a stack that is not in load-testing mode', () => {
  // A real master and a real chat worker started WITHOUT load-testing mode (fake keys; its
  // tf-serving is absent, which does not matter: the guard reads /metrics and /readyz).
  const prefix = uniquePrefix('guard')
  const procs: ReturnType<typeof Bun.spawn>[] = []
  let masterUrl = ''
  let workerUrl = ''
  beforeAll(async () => {
    const [mp, wp] = [await freePort(), await freePort()]
    const [mmp, wmp] = [await freePort(), await freePort()]
    masterUrl = `http://127.0.0.1:${mp}`
    // The guard reads a worker's /metrics, which is on its METRICS_PORT.
    workerUrl = `http://127.0.0.1:${wmp}`
    const base = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
    }
    procs.push(
      Bun.spawn(['bun', 'master/src/main.ts'], {
        cwd: repoRoot,
        env: {
          ...base,
          PORT: String(mp),
          METRICS_PORT: String(mmp),
          TWITTER_CONSUMER_SECRET: 'guard-secret',
        },
        stdout: 'ignore',
        stderr: 'ignore',
      }),
      Bun.spawn(['bun', 'workers/src/main.ts', 'chat'], {
        cwd: repoRoot,
        env: {
          ...base,
          PORT: String(wp),
          METRICS_PORT: String(wmp),
          FLT_LOAD_TESTING_MODE: 'False',
          TF_SERVER_URL: 'http://127.0.0.1:1/v1/models/default:predict',
          TWITTER_CONSUMER_KEY: 'k',
          TWITTER_CONSUMER_SECRET: 's',
          TWITTER_ACCESS_TOKEN: 't',
          TWITTER_ACCESS_TOKEN_SECRET: 'ts',
        },
        stdout: 'ignore',
        stderr: 'ignore',
      }),
    )
    await waitHttpOk(`${masterUrl}/healthz`)
    await waitHttpOk(`${workerUrl}/metrics`)
  })
  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
  })

  test('exit 3, says why, and sends nothing, even with FLT_LOAD_TESTING_MODE=True in its own shell', async () => {
    const dir = join(out, 'guard')
    const r = await runAttackScript(['5', '1', `${masterUrl}/webhook`], {
      FLT_LOAD_TESTING_MODE: 'True',
      WORKER_URLS: workerUrl,
      LOAD_TEST_OUT: dir,
      LOAD_TEST_MEDIA_URL: masterUrl,
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('refusing to attack')
    expect(r.stderr).toContain(`worker ${workerUrl}:`)
    expect(existsSync(join(dir, 'targets.json'))).toBe(false)
    const queue = createRedisQueue({ url: testRedisUrl(), prefix })
    const stats = await queue.stats()
    await queue.close()
    expect(stats.chat.pending + stats.tweet.pending).toBe(0)
  })

  test('an unreachable worker is a refusal too', async () => {
    const r = await runAttackScript(['5', '1', `${masterUrl}/webhook`], {
      WORKER_URLS: 'http://127.0.0.1:1',
      LOAD_TEST_OUT: join(out, 'guard2'),
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('unreachable')
  })
})
