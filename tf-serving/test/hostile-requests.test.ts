// Hostile requests against the real app (issue 15, finding 5): a real server in this process
// (real HTTP, a real inference worker on the wasm backend, real TF.js models). Each test failed
// on the code before the fix; the comment above it says how.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@tweetbot/common/log'
import { waitFor } from '@tweetbot/testing'
import { Deadline } from '../src/inference/deadline.ts'
import { startServer } from '../src/server.ts'
import { toyY, writeSlowModel, writeToyModel, writeWideModel } from './support/models.ts'
import { startWithModelConfig, testOptions } from './support/options.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

const SLOW_WIDTH = 512
const WIDE_WIDTH = 65_536
const logs: { msg: string; heapBytes?: number }[] = []
const logger = createLogger({
  service: 'test',
  write: (line) => logs.push(JSON.parse(line) as { msg: string; heapBytes?: number }),
})
let root: string
let server: Awaited<ReturnType<typeof startServer>>
let base: string

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: res.status,
    body: (await res.json()) as { error?: string; predictions?: unknown },
  }
}
const rows = (n: number, width: number) =>
  Array.from({ length: n }, () => new Array(width).fill(0.5))

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-hostile-'))
  await writeToyModel(join(root, 'toy/1'))
  await writeSlowModel(join(root, 'slow/1'), SLOW_WIDTH)
  await writeWideModel(join(root, 'wide/1'), WIDE_WIDTH)
  ;({ server, base } = await startWithModelConfig(
    root,
    `model_config_list {
  config { name: "toy" base_path: "toy" version_labels { key: "stable" value: 1 } }
  config { name: "slow" base_path: "slow" }
  config { name: "wide" base_path: "wide" }
}
`,
    {
      maxBodyBytes: 4 * 1024 * 1024,
      maxBatchRows: 512,
      restApiTimeoutMs: 1_500,
      backend: 'wasm',
    },
    logger,
  ))
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

describe('names are looked up as own keys only', () => {
  // Before: signature_name "constructor" found Object's constructor → 500 "undefined is not an
  // object (evaluating 'Object.keys(specs)')"; labels/toString → "Could not find version
  // function toString() { [native code] } of model toy".
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
    test(`signature_name "${name}" is TF Serving's not-found error`, async () => {
      const predict = await post('/v1/models/toy:predict', {
        signature_name: name,
        instances: [[1, 2, 3]],
      })
      expect(predict).toEqual({
        status: 400,
        body: { error: `Serving signature name: "${name}" not found in signature def` },
      })
      const classify = await post('/v1/models/toy:classify', {
        signature_name: name,
        examples: [{ x: [1, 2, 3] }],
      })
      expect(classify).toEqual({
        status: 400,
        body: { error: `No signature was found with the name: ${name}` },
      })
      // A status request ignores its label (TF Serving); metadata resolves it: 400 when unknown.
      const label = await fetch(`${base}/v1/models/toy/labels/${name}/metadata`)
      expect(label.status).toBe(400)
      expect(await label.json()).toEqual({
        error: `Unrecognized servable version label: ${name}`,
      })
      const model = await post(`/v1/models/${name}:predict`, { instances: [[1, 2, 3]] })
      expect(model).toEqual({
        status: 404,
        body: { error: `Servable not found for request: Latest(${name})` },
      })
    })

  // Before: a "__proto__" key became the body's prototype, so its "instances" were found
  // through `in`. Now it is an ordinary key, which TF Serving ignores like any unknown one.
  test('a "__proto__" key in a body is a key, not a prototype', async () => {
    const r = await post('/v1/models/toy:predict', '{"__proto__": {"instances": [[1, 2, 3]]}}')
    expect(r).toEqual({ status: 400, body: { error: "Missing 'inputs' or 'instances' key" } })
    // A columnar key named like an Object.prototype member is not an input, and is ignored.
    const input = await post('/v1/models/toy:predict', {
      inputs: { x: [[1, 2, 3]], toString: [1] },
    })
    expect(input.status).toBe(200)
    // Ignored: the answer is the one without it.
    expect(input).toEqual(await post('/v1/models/toy:predict', { inputs: { x: [[1, 2, 3]] } }))
  })
})

// Before: only /v1/* had the limit; /V1/… reached the (case-insensitive) handler unbounded.
test('the body limit holds for /V1 and /v1/ in any case', async () => {
  const big = JSON.stringify({ instances: rows(300_000, 3) })
  expect(big.length).toBeGreaterThan(4 * 1024 * 1024)
  for (const path of [
    '/V1/models/toy:predict',
    '/v1/Models/toy:Predict',
    '/V1/MODELS/TOY:PREDICT',
  ]) {
    const r = await post(path, big)
    expect(r).toEqual({
      status: 413,
      body: { error: `Request body is larger than the limit of ${4 * 1024 * 1024} bytes` },
    })
  }
  // The case-insensitive route itself still answers.
  expect(
    (await post('/V1/models/toy:predict', { signature_name: 'y_only', instances: [[1, 0, 0]] }))
      .status,
  ).toBe(200)
})

// Before: nothing bounded the rows of one request (two 32 MB requests: 2.7 GB).
test('more rows than --rest_api_max_batch_rows is 400 in TF Serving words', async () => {
  const over = await post('/v1/models/toy:predict', { instances: rows(513, 3) })
  expect(over).toEqual({
    status: 400,
    body: { error: 'Task size 513 is larger than maximum input batch size 512' },
  })
  const columnar = await post('/v1/models/toy:predict', { inputs: rows(600, 3) })
  expect(columnar.status).toBe(400)
  expect(columnar.body.error).toBe('Task size 600 is larger than maximum input batch size 512')
  const classify = await post('/v1/models/toy:classify', {
    signature_name: 'classify',
    examples: Array.from({ length: 513 }, () => ({ x: [1, 2, 3] })),
  })
  expect(classify.status).toBe(400)
  expect(classify.body.error).toBe('Task size 513 is larger than maximum input batch size 512')
  const ok = await post('/v1/models/toy:predict', { instances: rows(512, 3) })
  expect(ok.status).toBe(200)
  expect((ok.body.predictions as unknown[]).length).toBe(512)
})

// Before: the implied shape of a ragged body (1000^5 here, from 10 KB) was allocated before it
// was checked → 500 "Out of memory".
test('a body implying a huge shape is 400, not an allocation', async () => {
  const level = (depth: number): string =>
    depth === 0 ? '0' : `[${level(depth - 1)}${',0'.repeat(999)}]`
  for (const key of ['instances', 'inputs']) {
    const r = await post('/v1/models/toy:predict', `{"${key}": ${level(5)}}`)
    expect(r.status).toBe(400)
    expect(r.body.error).not.toContain('memory')
  }
  const ok = await post('/v1/models/toy:predict', {
    signature_name: 'y_only',
    instances: [[1, 0, 0]],
  })
  expect(ok).toEqual({ status: 200, body: { predictions: [toyY([1, 0, 0])] } })
})

// Before: the model name from the URL was a label value: every random name added series.
test('unknown model names share one model="unknown" label', async () => {
  const metricsSize = async () => (await (await fetch(`${base}/metrics`)).text()).length
  const names = Array.from({ length: 200 }, () => `m${crypto.randomUUID()}`)
  await post(`/v1/models/${names[0]}:predict`, { instances: [[1, 2, 3]] })
  const before = await metricsSize()
  for (const name of names) {
    await post(`/v1/models/${name}:predict`, { instances: [[1, 2, 3]] })
    await fetch(`${base}/v1/models/${name}`)
  }
  const text = await (await fetch(`${base}/metrics`)).text()
  for (const name of names) expect(text).not.toContain(name)
  expect(text).toContain('tfserving_requests_total{model="unknown",method="predict",status="404"')
  expect(text).toContain(':tensorflow:serving:request_count{model_name="unknown",status="ERROR"')
  // Known models keep their own label.
  await post('/v1/models/toy:predict', { instances: [[1, 2, 3]] })
  expect(await (await fetch(`${base}/metrics`)).text()).toContain(
    'tfserving_requests_total{model="toy",method="predict",status="200"',
  )
  expect(text.length - before).toBeLessThan(4_000)
})

// Before: a request that timed out stayed queued in the worker and ran anyway, so after a flood
// the worker was busy for seconds with work nobody waited for and the next predict got 504.
test('runs that timed out are dropped, so a predict after a flood answers 200', async () => {
  const heavy = JSON.stringify({ instances: rows(256, SLOW_WIDTH) })
  expect((await post('/v1/models/slow:predict', heavy)).status).toBe(200) // warm-up
  const one = performance.now()
  expect((await post('/v1/models/slow:predict', heavy)).status).toBe(200)
  const runMs = performance.now() - one
  // Enough runs to keep the worker busy ~10 timeouts long if every one of them ran.
  const flood = Math.min(60, Math.max(12, Math.ceil((10 * 1_500) / runMs)))
  const answers = await Promise.all(
    Array.from({ length: flood }, () => post('/v1/models/slow:predict', heavy)),
  )
  // On the old code none timed out (Bun fired no per-request timer under the flood) and the
  // queue held every run; how many time out depends on the machine's load, so only "some".
  const timedOut = answers.filter((a) => a.status === 504).length
  expect(timedOut).toBeGreaterThan(0)
  expect(answers.every((a) => a.status === 200 || a.status === 504)).toBe(true)
  const after = await post('/v1/models/toy:predict', {
    signature_name: 'y_only',
    instances: [[1, 0, 0]],
  })
  expect(after).toEqual({ status: 200, body: { predictions: [toyY([1, 0, 0])] } })
  expect(server.pool.queuedRuns).toBe(0)
})

// The flood above cannot tell a dropped run from one the per-request timer answered while the
// worker still ran it: here the pool itself is asked for a run whose caller already gave up.
test('a run whose deadline has passed is never handed to a worker', async () => {
  const handle = server.manager.acquire('toy')
  try {
    const run = (deadline: Deadline) =>
      server.pool.run(
        handle.key,
        'y_only',
        { x: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(1, 0, 0) } },
        ['y'],
        deadline,
      )
    // Two slow runs fill the worker (RUNS_PER_WORKER), so the late one waits in the pool's queue.
    const slow = server.manager.acquire('slow')
    const busy = [1, 2].map(() =>
      server.pool.run(
        slow.key,
        'serving_default',
        {
          x: {
            dtype: 'float32',
            shape: [64, SLOW_WIDTH],
            data: new Float32Array(64 * SLOW_WIDTH).fill(0.5),
          },
        },
        ['y'],
      ),
    )
    const late = run(Deadline.in(0))
    await expect(late).rejects.toThrow('Deadline Exceeded')
    await Promise.all(busy).finally(() => slow.release())
    expect(server.pool.queuedRuns).toBe(0)
    // The same run with time left answers.
    const ok = await run(Deadline.in(60_000))
    expect(Array.from((ok.y?.data ?? []) as Float32Array)).toEqual(toyY([1, 0, 0]))
  } finally {
    handle.release()
  }
})

// Before: WebAssembly memory only grew; a worker kept its high-water mark for good.
test('a worker whose wasm heap grew past the bound is replaced and keeps serving', async () => {
  // The bound: a little above what a worker holds after small runs (same models, same backend).
  await post('/v1/models/wide:predict', { instances: rows(1, WIDE_WIDTH) })
  const [idle = 0] = server.pool.workerHeapBytes
  expect(idle).toBeGreaterThan(0)
  const bound = idle + 1024 * 1024
  const smallBound = await startServer(
    testOptions({
      modelConfigFile: join(root, 'models.config'),
      maxBodyBytes: 64 * 1024 * 1024,
      maxBatchRows: 1_000_000,
      backend: 'wasm',
      workerMaxHeapBytes: bound,
    }),
    logger,
  )
  try {
    const url = `http://127.0.0.1:${smallBound.port}/v1/models/wide:predict`
    const call = (n: number) =>
      fetch(url, { method: 'POST', body: JSON.stringify({ instances: rows(n, WIDE_WIDTH) }) })
    expect((await call(1)).status).toBe(200)
    expect(logs.some((l) => l.msg === 'inference worker replaced')).toBe(false)
    // 32 rows × 64k floats: 8 MB of input in the worker's heap, far past the bound.
    expect((await call(32)).status).toBe(200)
    await waitFor('the worker replaced', () =>
      logs.some((l) => l.msg === 'inference worker replaced'),
    )
    const past = logs.find((l) => l.msg === 'inference worker heap past its bound; replacing it')
    expect(past?.heapBytes).toBeGreaterThan(bound)
    const [fresh = 0] = smallBound.pool.workerHeapBytes
    expect(fresh).toBeLessThan(bound)
    const again = await call(2)
    expect(again.status).toBe(200)
    expect(((await again.json()) as { predictions: unknown[] }).predictions.length).toBe(2)
    // The slot's figure above is the fresh worker's before any run (0); after one it is its own
    // heap, still under the bound (a worker that kept the old heap would report it here).
    const [served = 0] = smallBound.pool.workerHeapBytes
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThan(bound)
  } finally {
    await smallBound.stop()
  }
})
