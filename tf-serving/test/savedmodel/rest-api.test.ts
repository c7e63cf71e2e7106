// The fixtures served over TF Serving's REST API by the real server process, next to broken
// SavedModels that must be reported unavailable without taking the others down.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { type ServerProcess, spawnServer } from '../support/server.ts'
import { binaryOpModel, copyWritable, FIXTURES, removeDir, tempDir } from './helpers.ts'

let dir = ''
let url = ''
let server: ServerProcess | undefined

const brokenCopy = async (name: string, damage: (versionDir: string) => Promise<void>) => {
  const v = join(dir, name, '1')
  await copyWritable(join(FIXTURES, 'half_plus_two/00000123'), v)
  await damage(v)
}

const flipByte = async (file: string, at: number) => {
  const b = new Uint8Array(await readFile(file))
  b[at]! ^= 0x10
  await writeFile(file, b)
}

beforeAll(async () => {
  dir = await tempDir('rest')
  await brokenCopy('truncated', (v) => truncate(join(v, 'saved_model.pb'), 4000))
  await brokenCopy('flipped', (v) =>
    flipByte(join(v, 'variables/variables.data-00000-of-00001'), 1),
  )
  await brokenCopy('missing_shard', (v) => rm(join(v, 'variables/variables.data-00000-of-00001')))
  await mkdir(join(dir, 'unknown_op'), { recursive: true })
  await writeSavedModel(join(dir, 'unknown_op', '1'), binaryOpModel('TotallyNewOp'))
  const entry = (name: string, base: string, all = false) =>
    `config { name: '${name}' base_path: '${base}' model_platform: 'tensorflow'${all ? ' model_version_policy { all {} }' : ''} }`
  const config = [
    'model_config_list {',
    entry('half_plus_two', join(FIXTURES, 'half_plus_two')),
    entry('half_plus_two_tf2', join(FIXTURES, 'half_plus_two_tf2')),
    entry('two_versions', join(FIXTURES, 'half_plus_two_2_versions'), true),
    ...['truncated', 'flipped', 'missing_shard', 'unknown_op'].map((m) => entry(m, join(dir, m))),
    '}',
  ].join('\n')
  await writeFile(join(dir, 'models.config'), config)
  // Not /readyz: it stays 503 while the broken models are configured.
  server = await spawnServer(
    [`--model_config_file=${join(dir, 'models.config')}`],
    {},
    '/v1/models/half_plus_two',
  )
  url = server.url
}, 90_000)

afterAll(async () => {
  await server?.stop()
  await removeDir(dir)
})

/** A string body is sent as written (`1.0` must stay a double token for tf.Example floats). */
const post = async (path: string, body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const r = await fetch(`${url}${path}`, { method: 'POST', body: text })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

test.each(['half_plus_two', 'half_plus_two_tf2', 'two_versions'])(
  '%s: predict [1, 2, 5] → [2.5, 3, 4.5]',
  async (m) => {
    const r = await post(`/v1/models/${m}:predict`, { instances: [1.0, 2.0, 5.0] })
    expect(r).toEqual({ status: 200, json: { predictions: [2.5, 3.0, 4.5] } })
  },
)

test('both versions of the two-version model are addressable', async () => {
  for (const v of ['123', '124']) {
    const r = await post(`/v1/models/two_versions/versions/${v}:predict`, {
      instances: [1.0, 2.0, 5.0],
    })
    expect(r).toEqual({ status: 200, json: { predictions: [2.5, 3.0, 4.5] } })
  }
  const status = await (await fetch(`${url}/v1/models/two_versions`)).json()
  const versions = (status as { model_version_status: { version: string; state: string }[] })
    .model_version_status
  expect(versions.map((s) => [s.version, s.state]).sort()).toEqual([
    ['123', 'AVAILABLE'],
    ['124', 'AVAILABLE'],
  ])
})

test('classify and regress go through their tf.Example signatures', async () => {
  // TF Serving's own REST tests (tensorflow_model_server_test.py:439-477) key both "results".
  expect(
    await post(
      '/v1/models/half_plus_two:classify',
      '{"signature_name": "classify_x_to_y", "examples": [{"x": 1.0}, {"x": 2.0}]}',
    ),
  ).toEqual({ status: 200, json: { results: [[['', 2.5]], [['', 3.0]]] } })
  expect(
    await post(
      '/v1/models/half_plus_two:regress',
      '{"signature_name": "regress_x_to_y", "examples": [{"x": 1.0}, {"x": 2.0}]}',
    ),
  ).toEqual({ status: 200, json: { results: [2.5, 3.0] } })
  expect(
    await post(
      '/v1/models/half_plus_two:regress',
      '{"signature_name": "regress_x_to_y2", "context": {"x": 4.0}, "examples": [{}, {"x": 2.0}]}',
    ),
  ).toEqual({ status: 200, json: { results: [5.0, 4.0] } })
  const missing = await post(
    '/v1/models/half_plus_two:regress',
    '{"signature_name": "regress_x_to_y", "examples": [{"x2": 1.0}]}',
  )
  expect(missing.status).toBe(400)
  expect(String(missing.json.error)).toContain('Feature: x (data type: float) is required')
  // An integer token makes an int64 feature, which the float ParseExample refuses (TF wording).
  const ints = await post('/v1/models/half_plus_two:regress', {
    signature_name: 'regress_x_to_y',
    examples: [{ x: 1 }],
  })
  expect(ints).toEqual({
    status: 400,
    json: {
      error:
        "Name: <unknown>, Key: x, Index: 0.  Data types don't match. Data type: int64 but expected type: float",
    },
  })
})

const dims = (d: number[] | null) =>
  d === null
    ? { dim: [], unknown_rank: true }
    : { dim: d.map((size) => ({ size: String(size), name: '' })), unknown_rank: false }
const info = (name: string, dtype: string, shape: number[] | null) => ({
  dtype,
  tensor_shape: dims(shape),
  name,
})
const EXAMPLES = info('tf_example:0', 'DT_STRING', null)
const col = (name: string, dtype = 'DT_FLOAT') => info(name, dtype, [-1, 1])

/** What TF Serving answers for GET /v1/models/half_plus_two/metadata with this SavedModel. */
const TF_SERVING_SIGNATURES = {
  classify_x_to_y: {
    inputs: { inputs: EXAMPLES },
    outputs: { scores: col('y:0') },
    method_name: 'tensorflow/serving/classify',
  },
  regress_x_to_y: {
    inputs: { inputs: EXAMPLES },
    outputs: { outputs: col('y:0') },
    method_name: 'tensorflow/serving/regress',
  },
  regress_x_to_y2: {
    inputs: { inputs: EXAMPLES },
    outputs: { outputs: col('y2:0') },
    method_name: 'tensorflow/serving/regress',
  },
  regress_x2_to_y3: {
    inputs: { inputs: col('x2:0') },
    outputs: { outputs: col('y3:0') },
    method_name: 'tensorflow/serving/regress',
  },
  serving_default: {
    inputs: { x: col('x:0') },
    outputs: { y: col('y:0') },
    method_name: 'tensorflow/serving/predict',
  },
}

test('metadata matches TF Serving for half_plus_two', async () => {
  const body = (await (await fetch(`${url}/v1/models/half_plus_two/metadata`)).json()) as {
    model_spec: unknown
    metadata: { signature_def: { signature_def: Record<string, Record<string, unknown>> } }
  }
  expect(body.model_spec).toEqual({ name: 'half_plus_two', signature_name: '', version: '123' })
  const sigs = body.metadata.signature_def.signature_def
  // `defaults` (an empty map in newer TF Serving releases) is not part of the comparison.
  const stripped = Object.fromEntries(
    Object.entries(sigs).map(([k, { defaults: _d, ...rest }]) => [k, rest]),
  )
  expect(stripped).toEqual(TF_SERVING_SIGNATURES)
})

test.each([
  ['truncated', 'saved_model.pb is not a valid SavedModel protobuf (truncated or corrupt)'],
  ['flipped', "checkpoint tensor 'a': checksum mismatch (data corrupted)"],
  ['missing_shard', 'variables shard variables/variables.data-00000-of-00001 is missing'],
  ['unknown_op', "unsupported op(s) for TensorFlow.js: TotallyNewOp (node 'y')"],
])('broken model %s is unavailable with its reason; the others keep serving', async (m, reason) => {
  const status = (await (await fetch(`${url}/v1/models/${m}`)).json()) as {
    model_version_status?: {
      state: string
      status: { error_code: string; error_message: string }
    }[]
  }
  const s = status.model_version_status?.[0]
  expect(s?.state).toBe('END')
  expect(s?.status.error_code).not.toBe('OK')
  expect(s?.status.error_message).toContain(reason)
  const r = await post(`/v1/models/${m}:predict`, { instances: [1.0] })
  // No version of it is available: TF Serving's NOT_FOUND for the latest version.
  expect(r).toEqual({
    status: 404,
    json: { error: `Servable not found for request: Latest(${m})` },
  })
  expect(await post('/v1/models/half_plus_two:predict', { instances: [1.0] })).toEqual({
    status: 200,
    json: { predictions: [2.5] },
  })
})
