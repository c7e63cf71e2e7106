import { afterAll, describe, expect, test } from 'bun:test'
import { freePort, testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { fixtureText } from './fixtures/index.ts'
import { FIXTURE_MAX_AGE_SEC, metric, SECRET, sign } from './helpers.ts'
import { pendingChatIds, rawRequest, spawnMaster, startMasterProcess } from './master-process.ts'

const procs: ReturnType<typeof Bun.spawn>[] = []
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL')
})

const startMaster = async (env: Record<string, string>) => {
  const m = await startMasterProcess(env)
  procs.push(m.proc)
  return m
}

describe('bun master/src/main.ts', () => {
  test('answers CRC, queues a signed DM, shows it in metrics, stops on SIGTERM', async () => {
    const prefix = uniquePrefix('main')
    const m = await startMaster({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      TWITTER_CONSUMER_SECRET: SECRET,
      WEBHOOK_MAX_EVENT_AGE_SEC: String(FIXTURE_MAX_AGE_SEC),
    })
    const { base, proc } = m

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
    expect(await pendingChatIds(testRedisUrl(), prefix)).toEqual(['954491830116155396'])
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    expect(await (await fetch(`${m.metricsBase}/metrics`)).text()).toContain(
      'tweetbot_master_events_total{api="aaa",kind="direct_message",outcome="queued"',
    )

    // A declared body over WEBHOOK_MAX_BODY_BYTES (default 256 KiB) is refused unread: by the
    // app just past the limit, by Bun itself far past it.
    for (const size of [256 * 1024 + 1, 1024 * 1024 + 1]) {
      const big = await fetch(`${base}/webhook`, {
        method: 'POST',
        body: ' '.repeat(size),
        headers: {
          'content-type': 'application/json',
          'x-twitter-webhooks-signature': sign('{}'),
        },
      })
      expect(big.status).toBe(413)
    }
    // Only the one just past the limit reached the app (Bun answered the other before it ran).
    expect(
      metric(
        await (await fetch(`${m.metricsBase}/metrics`)).text(),
        'tweetbot_master_body_refusals_total',
        {
          reason: 'too_large',
        },
      ),
    ).toBe(1)

    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    await waitFor('the last log lines', () => m.output().includes('"msg":"stopped"'), 5_000)
  })

  test('/metrics answers on METRICS_PORT only, never on the webhook port, however spelt', async () => {
    const m = await startMaster({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix('main'),
      TWITTER_CONSUMER_SECRET: SECRET,
    })
    const onMetricsPort = await fetch(`${m.metricsBase}/metrics`)
    expect(onMetricsPort.status).toBe(200)
    const text = await onMetricsPort.text()
    expect(text).toContain('tweetbot_master_request_duration_seconds')
    expect(text).toContain('process_start_time_seconds')
    // The metrics port serves nothing else; the webhook port keeps the probes.
    expect((await fetch(`${m.metricsBase}/webhook`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${m.base}/healthz`)).status).toBe(200)
    expect((await fetch(`${m.base}/readyz`)).status).toBe(200)
    // Raw request lines, so no client normalises the path before the server sees it.
    for (const path of [
      '/metrics',
      '/webhook/../metrics',
      '/webhook/%2e%2e/metrics',
      '//metrics',
      '/METRICS',
      '/metrics/',
    ]) {
      const r = rawRequest(m.port, `GET ${path} HTTP/1.1\r\nhost: master\r\nconnection: close\r\n`)
      await waitFor(`an answer to ${path}`, () => r.status() !== undefined, 5_000)
      await Bun.sleep(50)
      expect([path, r.status()]).toEqual([path, 404])
      expect(r.response()).not.toContain('tweetbot_master')
      r.socket.destroy()
    }
  })

  test('refuses to start without TWITTER_CONSUMER_SECRET, naming it', async () => {
    const proc = spawnMaster({ PORT: String(await freePort()), REDIS_URL: testRedisUrl() })
    procs.push(proc)
    expect(await proc.exited).toBe(2)
    const stderr = await new Response(proc.stderr as ReadableStream).text()
    expect(stderr).toContain('TWITTER_CONSUMER_SECRET: required but not set')
  })
})
