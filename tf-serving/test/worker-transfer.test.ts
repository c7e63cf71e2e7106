// Output tensors travel from the inference worker by transfer. Two output aliases may name the
// same tensor; on the cpu backend both then hold one buffer, which must be transferred once
// (postMessage refuses a transfer list naming a buffer twice).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { silentLogger } from '@tweetbot/common/src/log.ts'
import { startServer } from '../src/server.ts'
import { writeLayersModel } from './support/models.ts'
import { testOptions } from './support/options.ts'

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
  server = await startServer(
    testOptions({ modelName: 'twice', modelBasePath: join(root, 'twice'), backend: 'cpu' }),
    silentLogger,
  )
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

test('two output aliases of one tensor both answer (cpu backend, one shared buffer)', async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/twice:predict`, {
    method: 'POST',
    body: JSON.stringify({
      instances: [
        [1, 1],
        [3, 0],
      ],
    }),
  })
  expect(await res.json()).toEqual({
    predictions: [
      { y: [3], y_again: [3] },
      { y: [3], y_again: [3] },
    ],
  })
  expect(res.status).toBe(200)
})
