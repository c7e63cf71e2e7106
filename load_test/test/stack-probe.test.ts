import { afterAll, expect, test } from 'bun:test'
import { parsePrometheusText } from '../src/prometheus-text.ts'
import {
  diffCounts,
  finished,
  jobCounts,
  loadTestingMode,
  probeWorker,
  sumCounts,
  type WorkerProbe,
} from '../src/stack-probe.ts'

const METRICS = `# HELP tweetbot_jobs_total Jobs by final outcome
# TYPE tweetbot_jobs_total counter
tweetbot_jobs_total{queue="chat",outcome="replied",service="worker-chat"} 7
tweetbot_jobs_total{queue="chat",outcome="skipped",service="worker-chat"} 2
tweetbot_jobs_total{queue="chat",outcome="retried",service="worker-chat"} 3
tweetbot_jobs_total{queue="chat",outcome="dead",service="worker-chat"} 1
# TYPE tweetbot_load_testing_mode gauge
tweetbot_load_testing_mode{service="worker-chat"} 1
`

test('parses Prometheus text with labels, escapes and comments', () => {
  const s = parsePrometheusText(`a_total{x="1",y="q\\"uote"} 3\n# c\nb 4.5 1700000000\nbad line\n`)
  expect(s).toEqual([
    { name: 'a_total', labels: { x: '1', y: 'q"uote' }, value: 3 },
    { name: 'b', labels: {}, value: 4.5 },
  ])
})

test('job counts by outcome; finished = replied + skipped + dead', () => {
  const c = jobCounts(parsePrometheusText(METRICS))
  expect(c).toEqual({ replied: 7, skipped: 2, dead: 1, retried: 3 })
  expect(finished(c)).toBe(10)
  expect(diffCounts(c, { replied: 5, skipped: 2, dead: 0, retried: 0 })).toEqual({
    replied: 2,
    skipped: 0,
    dead: 1,
    retried: 3,
  })
  const probe = (counts: typeof c): WorkerProbe => ({
    url: 'http://w',
    reachable: true,
    mode: { on: true, source: 'test' },
    counts,
  })
  expect(sumCounts([probe(c), probe({ replied: 1, skipped: 0, dead: 0, retried: 2 })])).toEqual({
    replied: 8,
    skipped: 2,
    dead: 1,
    retried: 5,
  })
})

test('load-testing mode: the gauge, or /readyz, or refuse', () => {
  expect(loadTestingMode(parsePrometheusText(METRICS), undefined).on).toBe(true)
  const off = METRICS.replace('mode{service="worker-chat"} 1', 'mode{service="worker-chat"} 0')
  expect(loadTestingMode(parsePrometheusText(off), { loadTestingMode: true }).on).toBe(false)
  expect(loadTestingMode([], { ready: true, loadTestingMode: true }).on).toBe(true)
  expect(loadTestingMode([], { ready: true, checks: {} })).toMatchObject({ on: false })
  expect(loadTestingMode([], { loadTestingMode: false })).toMatchObject({ on: false })
})

/** A worker whose /metrics is `metrics`; counts the /readyz requests it gets. */
const fakeWorker = (metrics: string) => {
  const seen = { readyz: 0 }
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (req) => {
      if (new URL(req.url).pathname === '/metrics') return new Response(metrics)
      seen.readyz++
      return Response.json({ ready: true, loadTestingMode: true })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, seen, server }
}
const worker = fakeWorker(METRICS)
const noGauge = fakeWorker(METRICS.replace(/.*tweetbot_load_testing_mode.*\n/g, ''))
afterAll(() => {
  worker.server.stop(true)
  noGauge.server.stop(true)
})

test('probeWorker reads a live worker; an unreachable one is never "on"', async () => {
  const p = await probeWorker(worker.url)
  expect(p.reachable).toBe(true)
  expect(p.mode).toEqual({ on: true, source: '/metrics tweetbot_load_testing_mode 1' })
  expect(p.counts.replied).toBe(7)
  // The gauge settles it: /readyz is not asked (drain probes every 500 ms).
  expect(worker.seen.readyz).toBe(0)
  const viaReadyz = await probeWorker(noGauge.url)
  expect(viaReadyz.mode).toEqual({ on: true, source: '/readyz loadTestingMode true' })
  expect(noGauge.seen.readyz).toBe(1)
  const down = await probeWorker('http://127.0.0.1:1')
  expect(down.reachable).toBe(false)
  expect(down.mode.on).toBe(false)
})
