// Output tensors travel from the inference worker by transfer. On the cpu backend a tensor's data
// is the backend's own storage: two output aliases of one tensor share it (postMessage refuses a
// transfer list naming a buffer twice), and a graph output that is a Const's Identity shares the
// weight's (transferring it would leave the model without that weight for the next request).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { startServer } from '../src/server.ts'
import { writeConstantModel, writeLayersModel } from './support/models.ts'
import { startWithModelConfig } from './support/options.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

let root: string
let server: Awaited<ReturnType<typeof startServer>>

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-transfer-'))
  await tf.setBackend('cpu')
  const x = tf.input({ shape: [2], name: 'x' })
  const dense = tf.layers.dense({ units: 1, name: 'y', useBias: false })
  const model = tf.model({ inputs: x, outputs: dense.apply(x) as tf.SymbolicTensor })
  dense.setWeights([tf.tensor2d([[1], [2]])])
  const y = { name: 'y', dtype: 'DT_FLOAT', shape: [-1, 1] }
  await writeLayersModel(model, join(root, 'twice/1'), {
    userDefinedMetadata: {
      signature_def: {
        serving_default: {
          method_name: 'tensorflow/serving/predict',
          inputs: { x: { name: 'x', dtype: 'DT_FLOAT', shape: [-1, 2] } },
          outputs: { y, y_again: y },
        },
      },
    },
  })
  model.dispose()
  await writeConstantModel(join(root, 'constant/1'))
  server = (
    await startWithModelConfig(
      root,
      `model_config_list {
  config { name: 'twice' base_path: 'twice' }
  config { name: 'constant' base_path: 'constant' }
}`,
      { backend: 'cpu' },
    )
  ).server
})

const predict = async (model: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/${model}:predict`, {
    method: 'POST',
    body: JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

test('two output aliases of one tensor both answer', async () => {
  const instances = [
    [1, 1],
    [3, 0],
  ]
  expect(await predict('twice', { instances })).toEqual({
    status: 200,
    body: {
      predictions: [
        { y: [3], y_again: [3] },
        { y: [3], y_again: [3] },
      ],
    },
  })
})

test('a graph output that is a weight answers the same on every request', async () => {
  const want = { status: 200, body: { outputs: { w: [7, 8], x_out: [[1, 2]] } } }
  expect(await predict('constant', { inputs: [[1, 2]] })).toEqual(want)
  expect(await predict('constant', { inputs: [[1, 2]] })).toEqual(want)
})
