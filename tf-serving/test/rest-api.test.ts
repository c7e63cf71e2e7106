// TF Serving's REST API, case by case, against a server running in this process (real HTTP,
// real inference worker, real TF.js models written to a temp folder).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseJsonBody } from '../src/rest/json-parse.ts'
import type { startServer } from '../src/server.ts'
import {
  toyY,
  writeGraphModel,
  writePairModel,
  writeStringModel,
  writeToyModel,
} from './support/models.ts'
import { startWithModelConfig } from './support/options.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

let root: string
let server: Awaited<ReturnType<typeof startServer>>
let base: string

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text, body: parseJsonBody(text) as Record<string, unknown> }
}

const close = (got: number[][], want: number[][]) => {
  expect(got.length).toBe(want.length)
  for (const [i, row] of got.entries())
    for (const [j, v] of row.entries()) expect(v).toBeCloseTo(want[i]?.[j] as number, 5)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-api-'))
  await writeToyModel(join(root, 'toy/1'), 1)
  await writeToyModel(join(root, 'toy/2'), 10)
  await writePairModel(join(root, 'pair/1'))
  await writeGraphModel(join(root, 'graph/1'))
  await writeStringModel(join(root, 'echo/1'))
  ;({ server, base } = await startWithModelConfig(
    root,
    `# two models; toy serves both versions with labels
model_config_list {
  config {
    name: 'toy'
    base_path: 'toy'
    model_platform: 'tensorflow'
    model_version_policy { all {} }
    version_labels { key: 'stable' value: 1 }
    version_labels { key: 'canary' value: 2 }
  }
  config { name: "pair" base_path: "pair" }
  config { name: "graph" base_path: "graph" }
  config { name: "echo" base_path: "echo" }
}
`,
    {
      maxBodyBytes: 64 * 1024,
    },
  ))
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

/** A status entry for a version that serves. */
const available = (version: string) => ({
  version,
  state: 'AVAILABLE',
  status: { error_code: 'OK', error_message: '' },
})

describe('model status', () => {
  test('all versions, highest first', async () => {
    const r = await get('/v1/models/toy')
    expect(r.status).toBe(200)
    expect(r.body).toEqual({
      model_version_status: [available('2'), available('1')],
    })
  })
  test('one version and one label', async () => {
    const v = await get('/v1/models/toy/versions/1')
    expect(v.status).toBe(200)
    expect(v.body).toEqual({
      model_version_status: [available('1')],
    })
    const l = await get('/v1/models/toy/labels/canary')
    expect(l.status).toBe(200)
    expect((l.body.model_version_status as { version: string }[])[0]?.version).toBe('2')
  })
  test('unknown model and version are 404; a label on status is not resolved (TF Serving)', async () => {
    expect(await get('/v1/models/nope')).toEqual({
      status: 404,
      body: { error: 'Could not find any versions of model nope' },
    })
    expect(await get('/v1/models/toy/versions/7')).toEqual({
      status: 404,
      body: { error: 'Could not find version 7 of model toy' },
    })
    // get_model_status_impl.cc:82-107 reads only the version: every version is listed.
    const all = await get('/v1/models/toy')
    expect(await get('/v1/models/toy/labels/nightly')).toEqual(all)
    expect(all.status).toBe(200)
  })
})

describe('metadata', () => {
  test('signature_def with dtypes and string dim sizes', async () => {
    const r = await get('/v1/models/toy/versions/1/metadata')
    expect(r.status).toBe(200)
    expect(r.body.model_spec).toEqual({ name: 'toy', signature_name: '', version: '1' })
    const defs = (r.body.metadata as { signature_def: { signature_def: Record<string, unknown> } })
      .signature_def.signature_def
    expect(Object.keys(defs).sort()).toEqual(['classify', 'regress', 'serving_default', 'y_only'])
    // TF Serving's TensorInfo for a DT_FLOAT tensor of shape [-1, cols].
    const floatInfo = (name: string, cols: number) => ({
      dtype: 'DT_FLOAT',
      tensor_shape: {
        dim: [
          { size: '-1', name: '' },
          { size: String(cols), name: '' },
        ],
        unknown_rank: false,
      },
      name,
    })
    expect(defs.serving_default).toEqual({
      inputs: { x: floatInfo('x', 3) },
      outputs: { y: floatInfo('y', 2), z: floatInfo('z', 1) },
      method_name: 'tensorflow/serving/predict',
      defaults: {},
    })
  })
  test('derived signature of a model without declared ones; latest version by default', async () => {
    const r = await get('/v1/models/pair/metadata')
    expect(r.status).toBe(200)
    const sig = (
      r.body.metadata as {
        signature_def: { signature_def: Record<string, { inputs: object; outputs: object }> }
      }
    ).signature_def.signature_def.serving_default
    expect(Object.keys(sig?.inputs ?? {}).sort()).toEqual(['a', 'b'])
    expect(Object.keys(sig?.outputs ?? {})).toEqual(['sum'])
    const latest = await get('/v1/models/toy/metadata')
    expect(latest.body.model_spec).toEqual({ name: 'toy', signature_name: '', version: '2' })
  })
  test('unknown model metadata is 404', async () => {
    expect(await get('/v1/models/nope/metadata')).toEqual({
      status: 404,
      body: { error: 'Servable not found for request: Latest(nope)' },
    })
  })
})

describe('predict', () => {
  const xs = [
    [1, 2, 3],
    [0.5, -1, 0],
  ]
  test('row format with several outputs → list of objects', async () => {
    const r = await post('/v1/models/toy/versions/1:predict', { instances: xs })
    expect(r.status).toBe(200)
    const preds = r.body.predictions as { y: number[]; z: number[] }[]
    close(
      preds.map((p) => p.y),
      xs.map((x) => toyY(x)),
    )
    close(
      preds.map((p) => p.z),
      [[6], [-0.5]],
    )
    expect(Object.keys(preds[0] ?? {}).sort()).toEqual(['y', 'z'])
  })
  test('columnar format with several outputs → object of tensors', async () => {
    const r = await post('/v1/models/toy/versions/1:predict', { inputs: xs })
    expect(r.status).toBe(200)
    const out = r.body.outputs as { y: number[][]; z: number[][] }
    close(
      out.y,
      xs.map((x) => toyY(x)),
    )
    close(out.z, [[6], [-0.5]])
  })
  test('signature selection: one output → bare values; whole numbers print with .0', async () => {
    const r = await post('/v1/models/toy/versions/1:predict', {
      signature_name: 'y_only',
      instances: [[1, 1, 1]],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ predictions: [[2.5, 2.5]] })
    expect(r.text).toContain('[2.5, 2.5]')
    const c = await post('/v1/models/toy/versions/1:predict', {
      signature_name: 'y_only',
      inputs: [[0, 0, 0.5]],
    })
    expect(c.status).toBe(200)
    expect(c.text).toBe(
      '{\n    "outputs": [\n        [\n            1.0,\n            0.0\n        ]\n    ]\n}',
    )
  })
  test('numeric bodies answer the same through the byte scanner and the general JSON path', async () => {
    const rows = '[[1, 2, 3], [0.5, -1e0, -0.0]]'
    // The escaped signature name (\u005f is "_") sends the second body down the general path.
    for (const [key, sig] of [
      ['instances', 'y_only'],
      ['inputs', 'y_only'],
    ]) {
      const fast = await post(
        '/v1/models/toy/versions/1:predict',
        `{"signature_name":"${sig}","${key}":${rows}}`,
      )
      const general = await post(
        '/v1/models/toy/versions/1:predict',
        `{"signature_name":"y\\u005fonly","${key}":${rows}}`,
      )
      expect(fast.status).toBe(200)
      expect(fast.text).toBe(general.text)
    }
    const ragged = await post('/v1/models/toy/versions/1:predict', '{"instances":[[1,2,3],[1,2]]}')
    expect(ragged.status).toBe(400)
    expect(ragged.body.error).toBe(
      "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 3 but got: 2",
    )
  })
  test('paths match case-insensitively, as in TF Serving (the verb does not)', async () => {
    const r = await post('/V1/Models/toy/Versions/1:predict', {
      signature_name: 'y_only',
      instances: [[1, 0, 0]],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ predictions: [[1.5, -0.5]] })
  })
  test('version, label and latest URLs reach different versions', async () => {
    const x = [[1, 0, 0]]
    const v1 = await post('/v1/models/toy/labels/stable:predict', {
      signature_name: 'y_only',
      instances: x,
    })
    const v2 = await post('/v1/models/toy/labels/canary:predict', {
      signature_name: 'y_only',
      instances: x,
    })
    const latest = await post('/v1/models/toy:predict', { signature_name: 'y_only', instances: x })
    expect(v1.body).toEqual({ predictions: [[1.5, -0.5]] })
    expect(v2.body).toEqual({ predictions: [[10.5, -0.5]] })
    expect(latest.body).toEqual(v2.body)
  })
  test('named inputs: row objects and columnar object', async () => {
    const row = await post('/v1/models/pair:predict', {
      instances: [
        { a: [1, 2], b: [10, 20] },
        { a: [3, 4], b: [30, 40] },
      ],
    })
    expect(row.status).toBe(200)
    expect(row.body).toEqual({
      predictions: [
        [11, 22],
        [33, 44],
      ],
    })
    const col = await post('/v1/models/pair:predict', { inputs: { a: [[1, 1]], b: [[2, 2]] } })
    expect(col.status).toBe(200)
    expect(col.body).toEqual({ outputs: [[3, 3]] })
  })
  test('NaN and Infinity tokens are accepted and printed back as TF Serving does', async () => {
    const r = await post(
      '/v1/models/pair:predict',
      '{"instances":[{"a":[NaN,1],"b":[0,2]},{"a":[Infinity,-Infinity],"b":[1,1]}]}',
    )
    expect(r.status).toBe(200)
    // Byte for byte as TF Serving writes it (json_tensor.cc:137-170, :1001-1024).
    expect(r.text).toBe('{\n    "predictions": [[NaN, 3.0], [Infinity, -Infinity]\n    ]\n}')
  })
})

describe('TF.js graph models', () => {
  test('converter signature aliases in metadata; predict runs the graph', async () => {
    const meta = await get('/v1/models/graph/metadata')
    expect(meta.status).toBe(200)
    const sig = (
      meta.body.metadata as {
        signature_def: {
          signature_def: Record<
            string,
            { inputs: Record<string, { name: string }>; outputs: object }
          >
        }
      }
    ).signature_def.signature_def.serving_default
    expect(sig?.inputs.features?.name).toBe('x:0')
    expect(Object.keys(sig?.outputs ?? {})).toEqual(['score'])
    const r = await post('/v1/models/graph:predict', {
      instances: [
        [1, 1],
        [0, 2],
      ],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ predictions: [[6], [7]] })
    const c = await post('/v1/models/graph:predict', { inputs: { features: [[1, 0]] } })
    expect(c.body).toEqual({ outputs: [[3]] })
  })
})

describe('string tensors', () => {
  test('{"b64"} and plain strings in; text out, and b64 out for aliases ending in _bytes', async () => {
    const bytes = Buffer.from([0, 255, 104, 105]).toString('base64')
    const r = await post('/v1/models/echo:predict', { instances: [{ b64: bytes }, 'héllo'] })
    expect(r.status).toBe(200)
    const preds = r.body.predictions as { echo: string; echo_bytes: { b64: string } }[]
    expect(preds[1]).toEqual({
      echo: 'héllo',
      echo_bytes: { b64: Buffer.from('héllo').toString('base64') },
    })
    expect(preds[0]?.echo_bytes).toEqual({ b64: bytes })
    const bad = await post('/v1/models/echo:predict', { instances: [{ b64: 'not base64!' }] })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toContain('Unable to base64 decode')
  })
})

describe('classify and regress', () => {
  test('classify returns [label, score] pairs using the model labels', async () => {
    const r = await post('/v1/models/toy/versions/1:classify', {
      signature_name: 'classify',
      examples: [{ x: [1, 2, 3] }, { x: [0, 0, 0] }],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({
      results: [
        [
          ['first', 4.5],
          ['second', 6.5],
        ],
        [
          ['first', 0.5],
          ['second', -0.5],
        ],
      ],
    })
  })
  test('regress with context supplying a missing feature', async () => {
    const r = await post('/v1/models/toy/versions/1:regress', {
      signature_name: 'regress',
      context: { x: [1, 1, 1] },
      examples: [{ x: [1, 2, 3] }, {}],
    })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ results: [6, 3] })
  })
  test('classify on a predict signature is 400 with TF Serving wording', async () => {
    const r = await post('/v1/models/toy:classify', { examples: [{ x: [1, 2, 3] }] })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({
      error:
        'Expected classification signature method_name to be tensorflow/serving/classify. Was: tensorflow/serving/predict',
    })
  })
  test('a b64 feature that is not base64 is 400, as in predict', async () => {
    const r = await post('/v1/models/toy/versions/1:regress', {
      signature_name: 'regress',
      examples: [{ x: [1, 2, 3], note: { b64: '***' } }],
    })
    expect({ status: r.status, body: r.body }).toEqual({
      status: 400,
      body: { error: 'Unable to base64 decode' },
    })
  })
  test('missing examples is 400', async () => {
    const r = await post('/v1/models/toy:regress', { signature_name: 'regress' })
    expect(r.status).toBe(400)
    expect(r.body.error).toContain("key 'examples' is expected and was not found")
  })
})

describe('errors', () => {
  test('bad JSON is 400 and comes before the model lookup', async () => {
    const r = await post('/v1/models/nope:predict', '{"instances": [1,')
    expect(r.status).toBe(400)
    expect(r.body.error).toStartWith('JSON Parse error:')
  })
  test('unknown model or version on predict is 404', async () => {
    const m = await post('/v1/models/nope:predict', { instances: [[1]] })
    expect(m.status).toBe(404)
    expect(m.body).toEqual({ error: 'Servable not found for request: Latest(nope)' })
    const v = await post('/v1/models/toy/versions/9:predict', { instances: [[1, 2, 3]] })
    expect(v.status).toBe(404)
    expect(v.body).toEqual({ error: 'Servable not found for request: Specific(toy, 9)' })
  })
  test('unknown signature is 400', async () => {
    const r = await post('/v1/models/toy:predict', {
      signature_name: 'nope',
      instances: [[1, 2, 3]],
    })
    expect({ status: r.status, body: r.body }).toEqual({
      status: 400,
      body: { error: 'Serving signature name: "nope" not found in signature def' },
    })
  })
  test('wrong dtype, ragged rows, wrong shape, both keys, neither key', async () => {
    const dtype = await post('/v1/models/toy:predict', { instances: [['a', 2, 3]] })
    expect(dtype.status).toBe(400)
    expect(dtype.body.error).toBe(
      `Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: "a" Type: String is not of expected type: float`,
    )
    const ragged = await post('/v1/models/toy:predict', {
      instances: [
        [1, 2, 3],
        [1, 2],
      ],
    })
    expect({ status: ragged.status, body: ragged.body }).toEqual({
      status: 400,
      body: {
        error:
          "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 3 but got: 2",
      },
    })
    const shape = await post('/v1/models/toy:predict', { instances: [[1, 2]] })
    expect(shape.status).toBe(400)
    expect(shape.body.error).toContain('has shape [1,2] but the signature expects [-1,3]')
    const both = await post('/v1/models/toy:predict', {
      instances: [[1, 2, 3]],
      inputs: [[1, 2, 3]],
    })
    expect(both.status).toBe(400)
    expect(both.body.error).toContain("expecting only one of 'inputs' or 'instances' keys to exist")
    const neither = await post('/v1/models/toy:predict', { signature_name: 'y_only' })
    expect({ status: neither.status, body: neither.body }).toEqual({
      status: 400,
      body: { error: "Missing 'inputs' or 'instances' key" },
    })
  })
  test('named-input mistakes are 400', async () => {
    const plain = await post('/v1/models/pair:predict', { instances: [[1, 2]] })
    expect(plain.status).toBe(400)
    expect(plain.body.error).toBe(
      'instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map',
    )
    const missing = await post('/v1/models/pair:predict', { inputs: { a: [[1, 2]] } })
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 400,
      body: { error: "Missing named input: b in 'inputs' object." },
    })
    const extra = await post('/v1/models/pair:predict', {
      instances: [{ a: [1, 2], b: [1, 2], c: [1] }],
    })
    expect(extra.status).toBe(400)
    expect(extra.body.error).toContain('does not have named input: c')
  })
  test('unknown top-level fields are ignored, as TF Serving does (json_tensor.h:63)', async () => {
    const r = await post('/v1/models/toy/versions/1:predict', {
      signature_name: 'y_only',
      instances: [[1, 0, 0]],
      instance: [],
    })
    expect([r.status, r.body]).toEqual([200, { predictions: [[1.5, -0.5]] }])
  })
  test('malformed /v1 path and other methods are 400, other paths 404, big bodies 413', async () => {
    expect(await get('/v1/models/toy/versions/x')).toEqual({
      status: 400,
      body: { error: 'Malformed request: GET /v1/models/toy/versions/x' },
    })
    const del = await fetch(`${base}/v1/models/toy`, { method: 'DELETE' })
    // TF Serving has no 405: the handler answers any method it has no route for as malformed
    // (http_rest_api_handler.cc:74, :84-105).
    expect(del.status).toBe(400)
    expect(await del.json()).toEqual({ error: 'Malformed request: DELETE /v1/models/toy' })
    const nf = await fetch(`${base}/v2/models`)
    expect(nf.status).toBe(404)
    expect(((await nf.json()) as { error: string }).error).toContain('Not found')
    const big = await post('/v1/models/toy:predict', {
      instances: Array.from({ length: 10_000 }, () => [1, 2, 3]),
    })
    expect(big.status).toBe(413)
    expect(big.body.error).toContain('larger than the limit')
  })
  test('the server is still healthy after all of that', async () => {
    expect((await get('/healthz')).status).toBe(200)
    const ready = await get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body.backend).toBe('wasm')
    const m = await (await fetch(`${base}/monitoring/prometheus/metrics`)).text()
    expect(m).toContain('tfserving_requests_total{model="toy",method="predict",status="400"')
  })
})
