// Dynamic batching: concurrent requests are joined, give the same numbers as one by one, batch
// sizes > 1 show in the metrics, and a full queue fails fast with TF's error.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@tweetbot/testing'
import type { startServer } from '../src/server.ts'
import { writeToyModel } from './support/models.ts'
import { startBatchingServer } from './support/options.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

let root: string
const servers: Awaited<ReturnType<typeof startServer>>[] = []

const start = async (params: string, restApiTimeoutMs = 30_000) => {
  const s = await startBatchingServer(root, servers, params, { restApiTimeoutMs })
  return `http://127.0.0.1:${s.port}`
}

const predict = async (base: string, instances: number[][]) => {
  const res = await fetch(`${base}/v1/models/toy:predict`, {
    method: 'POST',
    body: JSON.stringify({ instances }),
  })
  return { status: res.status, text: await res.text() }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-batch-'))
  await writeToyModel(join(root, 'toy/1'))
})

afterAll(async () => {
  for (const s of servers) await s.stop()
  await rm(root, { recursive: true, force: true })
})

test('N concurrent requests give the same bytes as N sequential ones, in batches > 1', async () => {
  const base = await start(
    'max_batch_size { value: 64 }\nbatch_timeout_micros { value: 100000 }\nmax_enqueued_batches { value: 100 }\nnum_batch_threads { value: 1 }',
  )
  const inputs = Array.from({ length: 12 }, (_, i) =>
    Array.from({ length: 1 + (i % 3) }, (_, r) => [i * 0.37, -r * 1.5, i / 7 + r]),
  )
  const sequential: string[] = []
  for (const x of inputs) sequential.push((await predict(base, x)).text)
  const concurrent = await Promise.all(inputs.map((x) => predict(base, x)))
  expect(concurrent.map((r) => r.status)).toEqual(inputs.map(() => 200))
  expect(concurrent.map((r) => r.text)).toEqual(sequential)
  // Row counts match the requests', so splitting put every row back where it came from.
  for (const [i, r] of concurrent.entries())
    expect((JSON.parse(r.text) as { predictions: unknown[] }).predictions).toHaveLength(
      inputs[i]?.length ?? 0,
    )

  const metrics = await (await fetch(`${base}/metrics`)).text()
  const num = (re: RegExp) => Number(re.exec(metrics)?.[1])
  const batches = num(/^tfserving_batch_size_count\{[^}]*\} (\d+)/m)
  const rows = num(/^tfserving_batch_size_sum\{[^}]*\} ([\d.]+)/m)
  const single = num(/^tfserving_batch_size_bucket\{le="1"[^}]*\} (\d+)/m)
  const totalRows = inputs.reduce((n, x) => n + x.length, 0) * 2
  expect(rows).toBe(totalRows)
  // The 12 sequential requests ran alone; the 12 concurrent ones shared far fewer batches.
  expect(batches).toBeLessThan(24)
  expect(single).toBeLessThan(batches)
  expect(metrics).toMatch(/tfserving_batch_requests_bucket\{le="8"[^}]*\} \d+/)
})

test('a full batch queue answers 503 with TF Serving’s message at once, and the server goes on', async () => {
  const base = await start(
    'max_batch_size { value: 1 }\nbatch_timeout_micros { value: 0 }\nmax_enqueued_batches { value: 1 }\nnum_batch_threads { value: 1 }',
  )
  const results = await Promise.all(Array.from({ length: 20 }, () => predict(base, [[1, 2, 3]])))
  const rejected = results.filter((r) => r.status === 503)
  expect(rejected.length).toBeGreaterThan(0)
  expect(JSON.parse(rejected[0]?.text ?? '{}')).toEqual({
    error: 'The batch scheduling queue to which this task was submitted is full',
  })
  expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0)
  expect(results.every((r) => r.status === 200 || r.status === 503)).toBe(true)
  const tooBig = await predict(base, [
    [1, 2, 3],
    [4, 5, 6],
  ])
  expect(tooBig.status).toBe(400)
  expect(JSON.parse(tooBig.text)).toEqual({
    error: 'Task size 2 is larger than maximum input batch size 1',
  })
  expect((await predict(base, [[1, 2, 3]])).status).toBe(200)
})

test('--rest_api_timeout_in_ms bounds the wait: 504 Deadline Exceeded', async () => {
  // The batch waits 2 s for company; the request may wait only 200 ms.
  const base = await start(
    'max_batch_size { value: 8 }\nbatch_timeout_micros { value: 2000000 }',
    200,
  )
  const r = await predict(base, [[1, 2, 3]])
  expect(r.status).toBe(504)
  expect(JSON.parse(r.text)).toEqual({ error: 'Deadline Exceeded' })
  // When the batch closes, the abandoned request is left out of it and nothing runs (a batch
  // that ran would show in tfserving_batch_size).
  const server = servers[servers.length - 1] as (typeof servers)[number]
  await waitFor('the batch to close', () => server.batcher?.queuedTasks === 0)
  const metrics = await (await fetch(`${base}/metrics`)).text()
  expect(metrics).toMatch(/\ntfserving_batch_size_count(\{[^}]*\})? 0\n/)
})
