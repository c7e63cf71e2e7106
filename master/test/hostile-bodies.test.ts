// Unauthenticated clients against the real master process over real TCP sockets: bodies that
// stall, clients that walk away mid-body, chunked bodies over the limit. The master must stay
// within bounded memory, refuse past its body budget with 503 + retry-after, cut slow bodies at
// the deadline, count walk-aways as 499 in one quiet log line, and keep taking good deliveries.
import { afterAll, describe, expect, test } from 'bun:test'
import { testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { dmDelivery } from '@tweetbot/testing/deliveries'
import { metric, SECRET, sign } from './helpers.ts'
import {
  type MasterProcess,
  pendingChatIds,
  rawRequest,
  startMasterProcess,
  webhookHead,
} from './master-process.ts'

const BOT = '4337869213'
const masters: MasterProcess[] = []
afterAll(() => {
  for (const m of masters) m.proc.kill('SIGKILL')
})

const start = async (env: Record<string, string> = {}) => {
  const prefix = uniquePrefix('hostile')
  const m = await startMasterProcess({
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    TWITTER_CONSUMER_SECRET: SECRET,
    ...env,
  })
  masters.push(m)
  return { m, prefix }
}

const metricsOf = async (m: MasterProcess) => (await fetch(`${m.metricsBase}/metrics`)).text()

const postGoodDm = async (m: MasterProcess) => {
  const body = JSON.stringify(dmDelivery({ botId: BOT, senderId: '777' }))
  return fetch(`${m.base}/webhook`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign(body) },
  })
}

describe('stalled bodies against the master process', () => {
  test('300 bodies stalled one byte short: bounded RSS, 503 + retry-after past the budget, good DMs still queued, the rest cut at the deadline', async () => {
    const KIB = 1024
    const declared = 256 * KIB // the default WEBHOOK_MAX_BODY_BYTES
    const { m, prefix } = await start({ WEBHOOK_BODY_TIMEOUT_MS: '4000' })
    // Warm the process up (first request JIT, Redis connection) before the baseline.
    expect((await postGoodDm(m)).status).toBe(200)
    const baseline = m.rssMiB()
    const body = new Uint8Array(declared - 1).fill(0x20)
    const stalled = Array.from({ length: 300 }, () =>
      rawRequest(m.port, webhookHead(declared), body),
    )
    // Large bodies may fill 3/4 of the 16 MiB budget: 48 of them; every other one is refused.
    const admitted = Math.floor((16 * 1024 * KIB * 0.75) / declared)
    let peak = baseline
    await waitFor(
      'the bodies past the budget to be refused',
      () => {
        peak = Math.max(peak, m.rssMiB())
        return stalled.filter((r) => r.status() === 503).length >= 300 - admitted
      },
      15_000,
    )
    const refused = stalled.filter((r) => r.status() === 503)
    expect(refused.length).toBe(300 - admitted)
    for (const r of refused) expect(r.response().toLowerCase()).toContain('retry-after: 4')

    // While 48 stalled bodies hold their share, a good delivery (a few KiB) is still taken.
    const good = await postGoodDm(m)
    expect(good.status).toBe(200)
    expect((await pendingChatIds(testRedisUrl(), prefix)).length).toBe(2)

    // The admitted ones are cut at the deadline: 408, and their budget comes back.
    await waitFor(
      'the stalled bodies to time out',
      () => {
        peak = Math.max(peak, m.rssMiB())
        return stalled.filter((r) => r.status() === 408).length === admitted
      },
      15_000,
    )
    // The master closes each one (connection: close), which ends its read and frees its share.
    const timedOut = stalled.filter((r) => r.status() === 408)
    await waitFor('the master to close the timed-out connections', () =>
      timedOut.every((r) => r.closed()),
    )
    const grewMiB = peak - baseline
    console.info(
      `300 stalled 256 KiB bodies: RSS ${baseline.toFixed(1)} → peak ${peak.toFixed(1)} MiB (+${grewMiB.toFixed(1)})`,
    )
    // 48 × 256 KiB = 12 MiB of bodies; the rest is Bun's per-connection buffers.
    expect(grewMiB).toBeLessThan(64)
    expect(peak).toBeLessThan(256)
    for (const r of stalled) r.socket.destroy()

    const text = await metricsOf(m)
    expect(metric(text, 'tweetbot_master_body_refusals_total', { reason: 'budget' })).toBe(
      300 - admitted,
    )
    expect(metric(text, 'tweetbot_master_body_refusals_total', { reason: 'timeout' })).toBe(
      admitted,
    )
    // The budget is whole again: as many largest bodies as it admits are read and judged at once
    // (401: signed for another body).
    const bigs = await Promise.all(
      Array.from({ length: admitted }, () =>
        fetch(`${m.base}/webhook`, {
          method: 'POST',
          body: ' '.repeat(declared),
          headers: {
            'content-type': 'application/json',
            'x-twitter-webhooks-signature': sign('{}'),
          },
        }).then((r) => r.status),
      ),
    )
    expect(bigs).toEqual(Array(admitted).fill(401))
  }, 60_000)
})

describe('clients that walk away, chunked bodies over the limit', () => {
  test('50 aborted reads: 499 in the metrics, one info line each, no 500, no stack', async () => {
    const { m } = await start()
    const gone = Array.from({ length: 50 }, () =>
      rawRequest(m.port, webhookHead(5_000), '{"for_user_id":'),
    )
    await Bun.sleep(200)
    for (const r of gone) r.socket.destroy()
    await waitFor(
      'the aborted reads to be counted',
      async () =>
        metric(await metricsOf(m), 'tweetbot_master_body_refusals_total', {
          reason: 'aborted',
        }) === 50,
      10_000,
    )
    const text = await metricsOf(m)
    const count = (status: string) =>
      metric(text, 'tweetbot_master_request_duration_seconds_count', { route: '/webhook', status })
    expect(count('499')).toBe(50)
    expect(count('500')).toBe(0)
    const lines = m.output().split('\n')
    expect(lines.filter((l) => l.includes('request body aborted by the client')).length).toBe(50)
    expect(lines.filter((l) => l.includes('"level":"error"'))).toEqual([])
    expect(m.output()).not.toContain('stack')
  })

  test('a chunked body over the limit: 413 on the wire, counted, no stack logged', async () => {
    const { m } = await start({ WEBHOOK_MAX_BODY_BYTES: String(64 * 1024) })
    const r = rawRequest(
      m.port,
      'POST /webhook HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n' +
        'transfer-encoding: chunked\r\n',
    )
    const chunk = new Uint8Array(16 * 1024).fill(0x20)
    for (let i = 0; i < 16 && r.status() === undefined; i++) {
      r.socket.write(`${chunk.length.toString(16)}\r\n`)
      r.socket.write(chunk)
      r.socket.write('\r\n')
      await Bun.sleep(10)
    }
    await waitFor('an answer', () => r.status() !== undefined, 5_000)
    expect(r.status()).toBe(413)
    expect(r.response()).toContain('body larger than 65536 bytes')
    r.socket.destroy()
    const text = await metricsOf(m)
    expect(metric(text, 'tweetbot_master_body_refusals_total', { reason: 'too_large' })).toBe(1)
    expect(m.output()).not.toContain('"level":"error"')
    expect(m.output()).not.toContain('stack')
  })
})
