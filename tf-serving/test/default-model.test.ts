// The default model end to end in the real server process: `make models`' export script, then
// images generated with sharp classified over TF Serving's REST API, then bad input.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp, { type Sharp } from 'sharp'
import { type ServerProcess, spawnServer } from './support/server.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

const EXPORT = resolve(import.meta.dir, '../scripts/export-default-model.ts')
const LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']
let root: string
let server: ServerProcess

const exportModel = async () => {
  const p = Bun.spawn(['bun', EXPORT, join(root, 'default')], { stdout: 'pipe', stderr: 'pipe' })
  const out = await new Response(p.stdout).text()
  expect(await p.exited).toBe(0)
  return out
}

/** 224×224 RGB pixels scaled to [0, 1], nested as [row][col][channel]. */
const toInstance = async (img: Sharp) => {
  const raw = await img.resize(224, 224).removeAlpha().raw().toBuffer()
  return Array.from({ length: 224 }, (_, y) =>
    Array.from({ length: 224 }, (_, x) =>
      Array.from({ length: 3 }, (_, c) => (raw[(y * 224 + x) * 3 + c] as number) / 255),
    ),
  )
}

const flat = (r: number, g: number, b: number) =>
  sharp({ create: { width: 224, height: 224, channels: 3, background: { r, g, b } } })

const drawing = () =>
  sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="224" height="224">
      <rect width="224" height="224" fill="white"/>
      <circle cx="112" cy="90" r="50" fill="none" stroke="black" stroke-width="4"/>
      <circle cx="95" cy="80" r="6"/><circle cx="130" cy="80" r="6"/>
      <path d="M85 110 Q112 135 140 110" fill="none" stroke="black" stroke-width="4"/>
      <line x1="112" y1="140" x2="112" y2="200" stroke="black" stroke-width="4"/>
      <line x1="70" y1="160" x2="155" y2="160" stroke="black" stroke-width="4"/>
    </svg>`),
  )

const post = async (path: string, body: string | object) => {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-default-'))
  expect(await exportModel()).toContain('exported')
  server = await spawnServer([
    '--model_name=default',
    `--model_base_path=${join(root, 'default')}`,
    '--rest_api_max_body_bytes=33554432',
  ])
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

describe('the default model', () => {
  test('export is idempotent and quick the second time', async () => {
    expect(await exportModel()).toContain('up to date')
  })

  test('metadata tells a client the input size', async () => {
    const res = await fetch(`${server.url}/v1/models/default/metadata`)
    expect(res.status).toBe(200)
    const meta = (await res.json()) as {
      metadata: {
        signature_def: {
          signature_def: Record<
            string,
            { inputs: Record<string, { dtype: string; tensor_shape: { dim: { size: string }[] } }> }
          >
        }
      }
    }
    const input = Object.values(
      meta.metadata.signature_def.signature_def.serving_default?.inputs ?? {},
    )[0]
    expect(input?.dtype).toBe('DT_FLOAT')
    expect(input?.tensor_shape.dim.map((d) => d.size)).toEqual(['-1', '224', '224', '3'])
  })

  test('classifies generated images: five probabilities summing to 1 each', async () => {
    const images = [await toInstance(flat(200, 30, 30)), await toInstance(drawing())]
    const r = await post('/v1/models/default:predict', { instances: images })
    expect(r.status).toBe(200)
    const preds = r.body.predictions as number[][]
    expect(preds).toHaveLength(2)
    for (const p of preds) {
      expect(p).toHaveLength(5)
      for (const v of p) expect(v).toBeGreaterThanOrEqual(0)
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
    }
    // A black-on-white line drawing should look most like a Drawing (or Neutral) to this model.
    const top = LABELS[preds[1]?.indexOf(Math.max(...(preds[1] ?? []))) ?? -1]
    expect(['Drawing', 'Neutral']).toContain(top as string)
  })

  test('the classify signature answers with the labels', async () => {
    const pixels = (await toInstance(drawing())).flat(2)
    // A float feature must be written as floats: TF Serving makes `1` an int64 feature and
    // refuses a list that mixes it with `0.5` (json_tensor.cc:774-790), and so do we.
    const text = JSON.stringify({ signature_name: 'classify', examples: [{ input_1: pixels }] })
    const r = await post(
      '/v1/models/default:classify',
      text.replace(/(?<=[[,])(-?\d+)(?=[,\]])/g, '$1.0'),
    )
    expect(r.status).toBe(200)
    const result = r.body.results as [string, number][][]
    expect(result[0]?.map(([label]) => label)).toEqual(LABELS)
    expect(result[0]?.reduce((a, [, s]) => a + s, 0)).toBeCloseTo(1, 4)
  })
})

describe('bad input gets a clear 4xx and the server stays up', () => {
  const row = Array.from({ length: 224 }, () => Array.from({ length: 224 }, () => [0.5, 0.5, 0.5]))
  test('ragged instances', async () => {
    const short = row.slice(0, 100)
    const r = await post('/v1/models/default:predict', { instances: [row, short] })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe(
      "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 150528 but got: 67200",
    )
  })
  test('wrong dtype', async () => {
    const r = await post('/v1/models/default:predict', { inputs: [[[['red', 0, 0]]]] })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('JSON Value: "red" Type: String is not of expected type: float')
  })
  test('wrong rank', async () => {
    const r = await post('/v1/models/default:predict', { instances: [[0.1, 0.2, 0.3]] })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe(
      'input input_1 has shape [1,3] but the signature expects [-1,224,224,3] (-1 = any size)',
    )
  })
  test('a 50 MB body is refused with 413', async () => {
    const big = `{"instances":[${'0.123456789,'.repeat((50 * 1024 * 1024) / 12)}0]}`
    const r = await post('/v1/models/default:predict', big)
    expect(r.status).toBe(413)
    expect(r.body.error).toBe('Request body is larger than the limit of 33554432 bytes')
  })
  test('NaN: a quoted "NaN" is a type error; the bare token is accepted as TF Serving does', async () => {
    const quoted = await post('/v1/models/default:predict', { inputs: [[[['NaN', 0, 0]]]] })
    expect(quoted.status).toBe(400)
    expect(quoted.body.error).toBe('JSON Value: "NaN" Type: String is not of expected type: float')
    const res = await fetch(`${server.url}/v1/models/default:predict`, {
      method: 'POST',
      body: `{"instances":[${JSON.stringify(row).replace('0.5', 'NaN')}]}`,
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { predictions: number[][] }
    expect(body.predictions[0]).toHaveLength(5)
  })
  test('unknown fields are ignored, as TF Serving ignores them (json_tensor.h:63)', async () => {
    const r = await post('/v1/models/default:predict', { instances: [row], image_url: 'x' })
    expect(r.status).toBe(200)
    expect((r.body.predictions as number[][])[0]).toHaveLength(5)
  })
  test('still healthy and ready, backend reported', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, unknown>
    expect(ready).toMatchObject({
      status: 'ready',
      backend: 'wasm',
      workers: 1,
      // The default mode (TF_SERVING_WORKER_MODE unset).
      workerMode: 'thread',
    })
  })
})
