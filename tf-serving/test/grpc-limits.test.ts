// gRPC over the shared batcher and timeout: a full batch queue and --rest_api_timeout_in_ms give
// the REST API's status (as its gRPC code) and the same message.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { status } from '@grpc/grpc-js'
import { waitFor } from '@tweetbot/testing'
import type { startServer } from '../src/server.ts'
import { floatVal, grpcClient } from './support/grpc-client.ts'
import { writeToyModel } from './support/models.ts'
import { startBatchingServer } from './support/options.ts'

setDefaultTimeout(60_000)

let root: string
const servers: Awaited<ReturnType<typeof startServer>>[] = []
const clients: ReturnType<typeof grpcClient>[] = []

const start = async (params: string, restApiTimeoutMs = 30_000) => {
  const s = await startBatchingServer(root, servers, params, { restApiTimeoutMs, grpcPort: 0 })
  const client = grpcClient(s.grpcPort as number)
  clients.push(client)
  return { client, base: `http://127.0.0.1:${s.port}` }
}

const req = { model_spec: { name: 'toy' }, inputs: { x: floatVal([1, 3], [1, 2, 3]) } }

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-grpc-limits-'))
  await writeToyModel(join(root, 'toy/1'))
})

afterAll(async () => {
  for (const c of clients) c.close()
  for (const s of servers) await s.stop()
  await rm(root, { recursive: true, force: true })
})

test('a full batch queue: UNAVAILABLE (REST 503) with TF Serving’s message', async () => {
  const { client } = await start(
    'max_batch_size { value: 1 }\nbatch_timeout_micros { value: 0 }\nmax_enqueued_batches { value: 1 }\nnum_batch_threads { value: 1 }',
  )
  const results = await Promise.all(
    Array.from({ length: 20 }, () => client.start('prediction', 'Predict', req).result),
  )
  const rejected = results.filter((r) => !r.ok)
  expect(rejected.length).toBeGreaterThan(0)
  expect(rejected[0]).toMatchObject({
    code: status.UNAVAILABLE,
    details: 'The batch scheduling queue to which this task was submitted is full',
  })
  expect(results.some((r) => r.ok)).toBe(true)
})

test('--rest_api_timeout_in_ms bounds a gRPC call too: DEADLINE_EXCEEDED, as REST’s 504', async () => {
  const { client, base } = await start(
    'max_batch_size { value: 8 }\nbatch_timeout_micros { value: 2000000 }',
    200,
  )
  const f = await client.fails('prediction', 'Predict', req)
  const r = await fetch(`${base}/v1/models/toy:predict`, {
    method: 'POST',
    body: JSON.stringify({ instances: [[1, 2, 3]] }),
  })
  expect(r.status).toBe(504)
  expect(f).toEqual({
    code: status.DEADLINE_EXCEEDED,
    details: ((await r.json()) as { error: string }).error,
  })
})

// TF Serving runs a gRPC call's model run with the call's own deadline as its timeout
// (prediction_service_impl.cc: RunOptions timeout_in_ms from the context's deadline). Before,
// only --rest_api_timeout_in_ms bounded it: a run queued past its caller's deadline still ran.
test("a gRPC call's deadline bounds its run: given up then, not when the run ends", async () => {
  // A 2 s batch timeout holds the run in the batcher's queue well past the call's 300 ms.
  const { client, base } = await start(
    'max_batch_size { value: 8 }\nbatch_timeout_micros { value: 2000000 }',
  )
  const f = await client.fails('prediction', 'Predict', req, { deadline: Date.now() + 300 })
  expect(f.code).toBe(status.DEADLINE_EXCEEDED)
  const given =
    'tfserving_requests_total{model="toy",method="grpc_predict",status="DEADLINE_EXCEEDED"'
  const metrics = async () => (await fetch(`${base}/metrics`)).text()
  // The server gives the run up at the deadline too, long before the batch would run.
  await waitFor('the server gave the run up', async () => (await metrics()).includes(given), 1_500)
  expect(await metrics()).not.toContain('method="grpc_predict",status="OK"')
})
