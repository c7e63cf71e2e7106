// biome-ignore-all lint/suspicious/noExplicitAny: decoded protobuf messages are read loosely here
// TF Serving's gRPC API against the SavedModel fixtures and the default image model, over the
// same server as REST: every request is also sent over REST and must give the same numbers (or
// the same error), and the gRPC-only parts (status codes, limits, health, reload) are checked.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { status } from '@grpc/grpc-js'
import { protoType } from '@tweetbot/common/grpc'
import { silentLogger } from '@tweetbot/common/log'
import { startServer } from '../src/server.ts'
import {
  floatContent,
  floatExamples,
  floatVal,
  type GrpcTestClient,
  grpcClient,
  tensorNumbers,
} from './support/grpc-client.ts'
import { writeFixturesConfig } from './support/models.ts'
import { testOptions } from './support/options.ts'

setDefaultTimeout(120_000)

const FIXTURES = resolve(import.meta.dir, 'fixtures/savedmodels')
const MAX_BYTES = 4 * 1024 * 1024

let root: string
let server: Awaited<ReturnType<typeof startServer>>
let client: GrpcTestClient
let base: string

const rest = async (path: string, body?: unknown) => {
  const res = await fetch(
    `${base}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) },
  )
  return { status: res.status, body: (await res.json()) as any }
}

/** Runs that reached the batcher (and so the model). */
const runs = async () => {
  const m = await server.registry.getSingleMetric('tfserving_batch_requests')?.get()
  return (
    (m?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))
      ?.value as number) ?? 0
  )
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-grpc-'))
  await writeFixturesConfig(root)
  server = await startServer(
    testOptions({
      modelConfigFile: join(root, 'models.config'),
      maxBodyBytes: MAX_BYTES,
      grpcPort: 0,
      grpcMaxThreads: 1,
    }),
    silentLogger,
  )
  base = `http://127.0.0.1:${server.port}`
  client = grpcClient(server.grpcPort as number)
})

afterAll(async () => {
  client?.close()
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  model_spec: { name, ...extra },
})

/** The default model's serving_default SignatureDef, read over gRPC (unpacked from its Any). */
const defaultSignature = async () => {
  const meta = await client.ok('prediction', 'GetModelMetadata', {
    ...spec('default'),
    metadata_field: ['signature_def'],
  })
  const sigs = protoType('tensorflow.serving.SignatureDefMap').decode(
    meta.metadata.signature_def.value,
  ) as any
  return sigs.signature_def.serving_default as {
    inputs: Record<string, unknown>
    outputs: Record<string, unknown>
  }
}

describe('REST and gRPC give the same outputs', () => {
  const predictCases = [
    // `version`: the one that answers (both versions of the two-version model compute the same).
    { model: 'half_plus_two', path: '', spec: {}, version: 123 },
    { model: 'half_plus_two_tf2', path: '', spec: {}, version: 123 },
    {
      model: 'half_plus_two_2_versions',
      path: '/versions/123',
      spec: { version: { value: 123 } },
      version: 123,
    },
    {
      model: 'half_plus_two_2_versions',
      path: '/labels/canary',
      spec: { version_label: 'canary' },
      version: 124,
    },
  ]
  for (const c of predictCases)
    test(`predict ${c.model}${c.path}`, async () => {
      const x = [1, 2, 5]
      const r = await rest(`/v1/models/${c.model}${c.path}:predict`, {
        inputs: { x: [[1], [2], [5]] },
      })
      expect(r.status).toBe(200)
      const restY = (r.body.outputs as number[][]).flat()
      for (const tensor of [floatVal([3, 1], x), floatContent([3, 1], x)]) {
        const g = await client.ok('prediction', 'Predict', {
          ...spec(c.model, c.spec),
          inputs: { x: tensor },
        })
        expect(tensorNumbers(g.outputs.y)).toEqual(restY)
        expect(g.outputs.y.tensor_shape.dim.map((d: { size: unknown }) => Number(d.size))).toEqual([
          3, 1,
        ])
        expect(g.model_spec.name).toBe(c.model)
        expect(Number(g.model_spec.version?.value)).toBe(c.version)
        expect(g.model_spec.signature_name).toBe('serving_default')
      }
      // half_plus_two: y = x / 2 + 2.
      expect(restY).toEqual([2.5, 3, 4.5])
    })

  const exampleCases = [
    ['half_plus_two', 'classify', 'classify_x_to_y'],
    ['half_plus_two', 'regress', 'regress_x_to_y'],
    ['half_plus_two', 'regress', 'regress_x_to_y2'],
    ['half_plus_two_2_versions', 'regress', 'regress_x_to_y'],
    ['half_plus_two_tf2', 'regress', 'regress_x_to_y'],
    ['half_plus_two_tf2', 'classify', 'classify_x_to_y'],
  ] as const
  for (const [model, method, signature] of exampleCases)
    test(`${method} ${model} ${signature}`, async () => {
      const rows = [{ x: [1] }, { x: [3] }]
      // Written `1.0`: a JSON `1` is an int64 feature for TF Serving (json_tensor.cc), while a
      // float_list is a float feature whatever its value.
      const r = await rest(
        `/v1/models/${model}:${method}`,
        `{"signature_name": "${signature}", "examples": [{"x": [1.0]}, {"x": [3.0]}]}`,
      )
      const rpc = method === 'classify' ? 'Classify' : 'Regress'
      const req = { ...spec(model, { signature_name: signature }), input: floatExamples(rows) }
      // Every case here is served (a fault shared by both APIs must not pass as agreement).
      expect(r.status).toBe(200)
      const g = await client.ok('prediction', rpc, req)
      expect(g.model_spec).toMatchObject({ name: model, signature_name: signature })
      const restNumbers = JSON.stringify(r.body.results)
        .match(/-?\d+(\.\d+)?/g)
        ?.map(Number)
      const grpcNumbers =
        method === 'classify'
          ? g.result.classifications.flatMap((c: any) => c.classes.map((k: any) => k.score))
          : g.result.regressions.map((x: any) => x.value)
      expect(grpcNumbers).toEqual(restNumbers)
      // y = 0.5x + 2; y2 = 0.5x + 3 (TF Serving's half_plus_two), for x = 1, 3.
      expect(grpcNumbers).toEqual(signature === 'regress_x_to_y2' ? [3.5, 4.5] : [2.5, 3.5])
    })

  test('the default image model: same scores for one preprocessed image', async () => {
    const pixels = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 37) % 256) / 255)
    const nested = Array.from({ length: 224 }, (_, y) =>
      Array.from({ length: 224 }, (_, x) =>
        Array.from(pixels.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3)),
      ),
    )
    const r = await rest('/v1/models/default:predict', { instances: [nested] })
    expect(r.status).toBe(200)
    const restScores = r.body.predictions[0] as number[]
    const sig = await defaultSignature()
    const [alias] = Object.keys(sig.inputs)
    const [outAlias] = Object.keys(sig.outputs)
    const g = await client.ok('prediction', 'Predict', {
      ...spec('default'),
      inputs: { [alias as string]: floatContent([1, 224, 224, 3], pixels) },
    })
    const scores = tensorNumbers(g.outputs[outAlias as string])
    expect(scores.length).toBe(restScores.length)
    for (const [i, s] of scores.entries()) expect(s).toBeCloseTo(restScores[i] as number, 5)
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
  })
})

describe('model service and metadata', () => {
  test('GetModelStatus: versions, one version, a label', async () => {
    const all = await client.ok('model', 'GetModelStatus', spec('half_plus_two_2_versions'))
    expect(
      all.model_version_status.map((s: any) => [Number(s.version), s.state, s.status.error_code]),
    ).toEqual([
      [124, 30, 0],
      [123, 30, 0],
    ])
    // A label does not narrow a status request (get_model_status_impl.cc:84-107): every version.
    const label = await client.ok(
      'model',
      'GetModelStatus',
      spec('half_plus_two_2_versions', { version_label: 'stable' }),
    )
    expect(label.model_version_status.map((s: any) => Number(s.version))).toEqual([124, 123])
    const one = await client.ok(
      'model',
      'GetModelStatus',
      spec('half_plus_two_2_versions', { version: { value: 123 } }),
    )
    expect(one.model_version_status.map((s: any) => Number(s.version))).toEqual([123])
  })

  test('GetModelMetadata packs a SignatureDefMap in an Any', async () => {
    const meta = await client.ok('prediction', 'GetModelMetadata', {
      ...spec('half_plus_two'),
      metadata_field: ['signature_def'],
    })
    expect(meta.model_spec.name).toBe('half_plus_two')
    expect(Number(meta.model_spec.version.value)).toBe(123)
    const any = meta.metadata.signature_def
    expect(any.type_url).toBe('type.googleapis.com/tensorflow.serving.SignatureDefMap')
    const map = protoType('tensorflow.serving.SignatureDefMap').decode(any.value) as any
    const x = map.signature_def.serving_default.inputs.x
    expect([x.name, x.dtype, x.tensor_shape.dim.map((d: any) => Number(d.size))]).toEqual([
      'x:0',
      1,
      [-1, 1],
    ])
    expect(map.signature_def.classify_x_to_y.method_name).toBe('tensorflow/serving/classify')
  })

  test('MultiInference runs classify and regress over the same examples', async () => {
    const r = await client.ok('prediction', 'MultiInference', {
      tasks: [
        {
          model_spec: { name: 'half_plus_two', signature_name: 'classify_x_to_y' },
          method_name: 'tensorflow/serving/classify',
        },
        {
          model_spec: { name: 'half_plus_two', signature_name: 'regress_x_to_y2' },
          method_name: 'tensorflow/serving/regress',
        },
      ],
      input: floatExamples([{ x: [2] }]),
    })
    expect(r.results[0].classification_result.classifications[0].classes[0].score).toBe(3)
    expect(r.results[1].regression_result.regressions.map((x: any) => x.value)).toHaveLength(1)
    // regress_x_to_y2 is y2 = x/2 + 3.
    expect(r.results[1].regression_result.regressions[0].value).toBe(4)
    expect(r.results[1].model_spec.signature_name).toBe('regress_x_to_y2')
  })

  test('health: SERVING for the server and its services, NOT_FOUND for others', async () => {
    expect((await client.ok('health', 'Check', { service: '' })).status).toBe(1)
    expect(
      (await client.ok('health', 'Check', { service: 'tensorflow.serving.PredictionService' }))
        .status,
    ).toBe(1)
    expect((await client.fails('health', 'Check', { service: 'nope' })).code).toBe(status.NOT_FOUND)
  })
})

describe('errors: TF Serving codes, REST texts', () => {
  const x = { x: floatVal([1, 1], [1]) }
  test('unknown model', async () => {
    const f = await client.fails('prediction', 'Predict', { ...spec('nope'), inputs: x })
    const r = await rest('/v1/models/nope:predict', { inputs: { x: [[1]] } })
    expect(f).toEqual({ code: status.NOT_FOUND, details: r.body.error })
    expect(f.details).toBe('Servable not found for request: Latest(nope)')
  })
  test('unknown version', async () => {
    const f = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two', { version: { value: 7 } }),
      inputs: x,
    })
    const r = await rest('/v1/models/half_plus_two/versions/7:predict', { inputs: { x: [[1]] } })
    expect(f).toEqual({ code: status.NOT_FOUND, details: r.body.error })
  })
  test('unknown label: status ignores it (get_model_status_impl.cc:84-107), predict refuses it', async () => {
    const r = await rest('/v1/models/half_plus_two_2_versions/labels/nope')
    expect(r.status).toBe(200)
    // server_core.cc:873-892: an unknown label is INVALID_ARGUMENT, with REST's text.
    const m = await rest('/v1/models/half_plus_two_2_versions/labels/nope/metadata')
    expect(m.status).toBe(400)
    const f = await client.fails('prediction', 'GetModelMetadata', {
      model_spec: { name: 'half_plus_two_2_versions', version_label: 'nope' },
      metadata_field: ['signature_def'],
    })
    expect(f).toEqual({ code: status.INVALID_ARGUMENT, details: m.body.error })
  })
  test('bad input alias and bad output alias (predict_util.cc texts)', async () => {
    const f = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two'),
      inputs: { nope: floatVal([1, 1], [1]) },
    })
    expect(f.code).toBe(status.INVALID_ARGUMENT)
    expect(f.details).toStartWith('Signature input alias: x(feed name: x:0) not found in request')
    // `toString`: names are the signature's own keys only, never Object.prototype's members.
    for (const alias of ['z', 'toString']) {
      const o = await client.fails('prediction', 'Predict', {
        ...spec('half_plus_two'),
        inputs: x,
        output_filter: [alias],
      })
      expect(o).toEqual({
        code: status.INVALID_ARGUMENT,
        details: `output tensor alias not found in signature: ${alias} Outputs expected to be in the set {y}.`,
      })
    }
    const extra = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two'),
      inputs: { ...x, constructor: floatVal([1], [1]) },
    })
    expect(extra.details).toContain('Sent extra: {constructor}.')
  })
  test('wrong dtype', async () => {
    const f = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two'),
      inputs: {
        x: { dtype: 7, tensor_shape: { dim: [{ size: 1 }] }, string_val: [new Uint8Array([65])] },
      },
    })
    expect(f).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'Expects arg[0] to be float but string is provided',
    })
  })
  test('oversized message: RESOURCE_EXHAUSTED, nothing run', async () => {
    const big = floatContent([MAX_BYTES / 4 + 16, 1], new Float32Array(MAX_BYTES / 4 + 16))
    const before = await runs()
    const f = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two'),
      inputs: { x: big },
    })
    expect(f.code).toBe(status.RESOURCE_EXHAUSTED)
    expect(f.details).toContain('larger than max')
    expect(await runs()).toBe(before)
  })
  test('a call cancelled or past its deadline while queued is not run', async () => {
    const before = await runs()
    // --grpc_max_threads=1: the first call holds the only slot, the next two wait behind it.
    const alias = Object.keys((await defaultSignature()).inputs)[0] as string
    // A batch of 4 images keeps the only slot busy long enough for the others to queue.
    const pixels = new Float32Array(4 * 224 * 224 * 3)
    const first = client.start('prediction', 'Predict', {
      ...spec('default'),
      inputs: { [alias]: floatContent([4, 224, 224, 3], pixels) },
    })
    // Its 2.4 MB message arrives after the small ones would: wait until it holds the slot.
    while (server.grpc?.limiter.running !== 1) await Bun.sleep(5)
    const cancelled = client.start('prediction', 'Predict', { ...spec('half_plus_two'), inputs: x })
    // Cancelled once it is queued on the server.
    while (server.grpc?.limiter.waiting !== 1) await Bun.sleep(5)
    cancelled.call.cancel()
    const late = client.start(
      'prediction',
      'Predict',
      { ...spec('half_plus_two'), inputs: x },
      { deadline: Date.now() + 5 },
    )
    const [a, b, c] = await Promise.all([first.result, cancelled.result, late.result])
    expect(b).toMatchObject({ ok: false, code: status.CANCELLED })
    expect(c).toMatchObject({ ok: false, code: status.DEADLINE_EXCEEDED })
    // The first ran; the other two never reached the model.
    expect(a.ok).toBe(true)
    expect(await runs()).toBe(before + 1)
  })
})

// Last: it changes which models the server serves.
describe('ModelService.HandleReloadConfigRequest', () => {
  test('applies a new model config list; a bad one is INVALID_ARGUMENT and changes nothing', async () => {
    const bad = await client.fails('model', 'HandleReloadConfigRequest', {
      config: { model_config_list: { config: [{ name: 'a', base_path: 'relative/path' }] } },
    })
    expect(bad).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'model a: base_path must be an absolute path',
    })
    const r = await client.ok('model', 'HandleReloadConfigRequest', {
      config: {
        model_config_list: {
          config: [
            { name: 'half_plus_two', base_path: `${FIXTURES}/half_plus_two` },
            {
              name: 'renamed',
              base_path: `${FIXTURES}/half_plus_two_2_versions`,
              model_version_policy: { specific: { versions: [123] } },
              version_labels: { stable: 123 },
            },
          ],
        },
      },
    })
    expect(r.status.error_code).toBe(0)
    const renamed = await client.ok(
      'model',
      'GetModelStatus',
      spec('renamed', { version_label: 'stable' }),
    )
    expect(renamed.model_version_status.map((s: any) => [Number(s.version), s.state])).toEqual([
      [123, 30],
    ])
    // A model left out of the list is unloaded: its versions end and Predict finds nothing.
    const gone = await client.ok('model', 'GetModelStatus', spec('half_plus_two_tf2'))
    expect(gone.model_version_status.map((s: any) => s.state)).toEqual([50])
    const f = await client.fails('prediction', 'Predict', {
      ...spec('half_plus_two_tf2'),
      inputs: { x: floatVal([1], [1]) },
    })
    expect(f.code).toBe(status.NOT_FOUND)
  })
})
