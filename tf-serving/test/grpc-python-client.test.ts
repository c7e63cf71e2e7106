// biome-ignore-all lint/suspicious/noExplicitAny: JSON answers are read loosely here
// The acceptance test: `bun run tf-serving --port=… --rest_api_port=…` answers an independent gRPC
// client (Debian's python3-grpcio, stubs compiled by python3-grpc-tools from protos written in
// ./python-client/protos, and for reflection and health from gRPC's own .proto files as Debian's
// grpc-proto package ships them) with the numbers REST gives, for the SavedModel fixtures and
// the default image model.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { freePort } from '@tweetbot/testing'
import { writeFixturesConfig } from './support/models.ts'
import { type ServerProcess, spawnServer } from './support/server.ts'

setDefaultTimeout(180_000)

// Debian's interpreter, where apt installs python3-grpcio (a pyenv python3 on PATH lacks them).
const PYTHON = '/usr/bin/python3'
const HERE = resolve(import.meta.dir, 'python-client')
// gRPC's upstream reflection and health protos (apt-get install grpc-proto).
const GRPC_PROTO = '/usr/share/grpc-proto/grpc'
const UPSTREAM_PROTOS = [
  `${GRPC_PROTO}/reflection/v1alpha/reflection.proto`,
  `${GRPC_PROTO}/health/v1/health.proto`,
]

let dir: string
let server: ServerProcess
let grpcPort: number
let answers: Record<string, any>
let reflected: Record<string, any>
const pixels = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 53) % 256) / 255)

const run = async (cmd: string[]) => {
  const p = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ])
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}:\n${err}`)
  return out
}

beforeAll(async () => {
  const probe = Bun.spawnSync([PYTHON, '-c', 'import grpc, grpc_tools'])
  if (probe.exitCode !== 0 || !UPSTREAM_PROTOS.every((f) => existsSync(f)))
    throw new Error(
      `${PYTHON} lacks grpc/grpc_tools, or ${GRPC_PROTO} is missing: apt-get install python3-grpcio python3-grpc-tools grpc-proto (make setup does)`,
    )
  dir = await mkdtemp(join(tmpdir(), 'tfs-py-'))
  await writeFixturesConfig(dir)
  grpcPort = await freePort()
  server = await spawnServer([
    `--port=${grpcPort}`,
    `--model_config_file=${join(dir, 'models.config')}`,
  ])
  // Stubs compiled from the test's own protos into a temp dir (nothing generated is committed).
  await run([
    PYTHON,
    '-m',
    'grpc_tools.protoc',
    `-I${join(HERE, 'protos')}`,
    `--python_out=${dir}`,
    `--grpc_python_out=${dir}`,
    'tf_min.proto',
    'serving_min.proto',
  ])
  // Compiled from their own folders so the modules are top-level (reflection_pb2, health_pb2):
  // a generated `grpc/` package in the stubs dir would shadow grpcio's.
  for (const proto of UPSTREAM_PROTOS)
    await run([
      PYTHON,
      '-m',
      'grpc_tools.protoc',
      `-I${dirname(proto)}`,
      `--python_out=${dir}`,
      `--grpc_python_out=${dir}`,
      basename(proto),
    ])
  await writeFile(join(dir, 'image.f32'), new Uint8Array(pixels.buffer))
  const out = await run([
    PYTHON,
    join(HERE, 'client.py'),
    dir,
    `127.0.0.1:${grpcPort}`,
    join(dir, 'image.f32'),
  ])
  answers = JSON.parse(out)
  reflected = JSON.parse(
    await run([PYTHON, join(HERE, 'reflect.py'), dir, `127.0.0.1:${grpcPort}`]),
  )
})

afterAll(async () => {
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

const rest = async (path: string, body?: unknown) => {
  const res = await fetch(
    `${server.url}${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  )
  expect(res.status).toBe(200)
  return (await res.json()) as any
}

test('Predict with float_val and with tensor_content: y = x/2 + 2, as REST answers', async () => {
  for (const [name, path, version] of [
    ['half_plus_two', '', 123],
    ['half_plus_two_tf2', '', 123],
    ['half_plus_two_2_versions', '/versions/124', 124],
  ] as const) {
    const r = await rest(`/v1/models/${name}${path}:predict`, { inputs: { x: [[1], [2], [5]] } })
    for (const kind of ['float_val', 'tensor_content']) {
      const a = answers[`predict/${name}/${kind}`]
      expect(a.y).toEqual((r.outputs as number[][]).flat())
      expect(a.y).toEqual([2.5, 3, 4.5])
      expect([a.version, a.signature]).toEqual([version, 'serving_default'])
    }
  }
})

test('GetModelStatus and GetModelMetadata', () => {
  expect(answers.status).toEqual([
    [124, 'AVAILABLE', 0],
    [123, 'AVAILABLE', 0],
  ])
  expect(answers.metadata).toMatchObject({
    type_url: 'type.googleapis.com/tensorflow.serving.SignatureDefMap',
    x_dtype: 'DT_FLOAT',
    x_shape: [-1, 1],
  })
  expect(answers.metadata.signatures).toContain('classify_x_to_y')
})

test('Classify and Regress over tf.Example protos', () => {
  expect(answers.classify).toEqual([[2.5], [3.5]])
  expect(answers.regress).toEqual([2.5, 3.5])
})

test('the default image model: the same scores as REST for the same image', async () => {
  const nested = Array.from({ length: 224 }, (_, y) =>
    Array.from({ length: 224 }, (_, x) =>
      Array.from(pixels.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3)),
    ),
  )
  const r = await rest('/v1/models/default:predict', { instances: [nested] })
  const scores = answers.default as number[]
  const restScores = r.predictions[0] as number[]
  expect(scores).toHaveLength(restScores.length)
  for (const [i, s] of scores.entries()) expect(s).toBeCloseTo(restScores[i] as number, 5)
})

test('reflection alone is enough to call Predict (as grpcurl does)', () => {
  expect(reflected.services).toEqual([
    'grpc.health.v1.Health',
    'grpc.reflection.v1alpha.ServerReflection',
    'tensorflow.serving.ModelService',
    'tensorflow.serving.PredictionService',
  ])
  // NOT_FOUND, with gRPC C++'s texts (proto_server_reflection.cc GetFileContainingSymbol and
  // GetFileByName).
  expect(reflected.missing).toBe(5)
  expect(reflected.missing_message).toBe('Symbol not found.')
  expect(reflected.missing_file).toEqual([5, 'File not found.'])
  // The file that holds the symbol comes first, then its imports depth first, as gRPC C++'s
  // reflection answers: grpc/grpc src/cpp/ext/proto_server_reflection.cc,
  // FillFileDescriptorResponse adds a file, then recurses into each dependency. reflect.py adds
  // each file to its pool after the files it imports, as grpcurl links them.
  expect(reflected.files).toEqual([
    'tensorflow_serving.proto',
    'google_protobuf.proto',
    'tensorflow.proto',
    'tensorflow_error.proto',
  ])
  // Each file names the files it imports: a pool links nothing otherwise.
  expect(reflected.dependencies['tensorflow_serving.proto']).toEqual([
    'google_protobuf.proto',
    'tensorflow.proto',
    'tensorflow_error.proto',
  ])
  expect(reflected.methods).toEqual([
    'Classify',
    'Regress',
    'Predict',
    'MultiInference',
    'GetModelMetadata',
  ])
  expect(reflected.predict_request_fields).toEqual({ model_spec: 1, inputs: 2, output_filter: 3 })
  expect(reflected.tensor_fields).toMatchObject({
    dtype: 1,
    tensor_shape: 2,
    tensor_content: 4,
    float_val: 5,
    half_val: 13,
  })
  expect(reflected.predict_y).toEqual([2.5, 3.5])
})

test('grpc.health.v1.Health answers the upstream client: SERVING, and NOT_FOUND for other services', () => {
  expect(reflected.health).toBe('SERVING')
  expect(reflected.health_unknown).toBe('NOT_FOUND')
})
