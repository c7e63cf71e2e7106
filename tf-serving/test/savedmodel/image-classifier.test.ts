import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import {
  classifierWeights,
  tf1Classifier,
  tf2Classifier,
} from '../support/savedmodel-writer/sample-models.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { referenceClassifier, removeDir, runSignature, tempDir, useCpu } from './helpers.ts'

const weights = classifierWeights({ size: 12, channels: [4, 6], classes: 5, seed: 7 })
let dir = ''

beforeAll(async () => {
  await useCpu()
  dir = await tempDir('classifier')
  await writeSavedModel(join(dir, 'tf1'), tf1Classifier(weights))
  await writeSavedModel(join(dir, 'tf2'), tf2Classifier(weights))
  await writeSavedModel(join(dir, 'tf1-sharded'), { ...tf1Classifier(weights), numShards: 3 })
})
afterAll(() => removeDir(dir))

const images = () => {
  const n = 3
  const data = Float32Array.from({ length: n * 12 * 12 * 3 }, (_, i) => Math.sin(i * 0.37))
  return tf.tensor4d(data, [n, 12, 12, 3])
}

describe.each(['tf1', 'tf2', 'tf1-sharded'])(
  'conv classifier written as a %s SavedModel',
  (variant) => {
    test('predicts what the same network computes in TensorFlow.js', async () => {
      const servable = await savedModelLoader.load(join(dir, variant))
      const sig = servable.signatures.serving_default!
      expect(sig.inputs.images?.shape).toEqual([-1, 12, 12, 3])
      expect(sig.outputs.classes?.dtype).toBe('DT_INT64')
      const x = images()
      const out = await runSignature(servable, 'serving_default', { [sig.inputs.images!.name]: x })
      const ref = referenceClassifier(weights, x)
      expect(out.probabilities!.shape).toEqual([3, 5])
      const got = Array.from(await out.probabilities!.data())
      const want = Array.from(await ref.probs.data())
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i]!, 5)
      expect(Array.from(await out.classes!.data())).toEqual(Array.from(await ref.classes.data()))
      // Sanity: the weights matter (not all-zero initializers): probabilities are not uniform.
      expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(0.01)
    })
  },
)

test('TF1: the training op and initializers are pruned; variables become weights', async () => {
  const servable = await savedModelLoader.load(join(dir, 'tf1'))
  const topo = servable.artifacts.modelTopology as { node: { name: string; op: string }[] }
  const ops = new Set(topo.node.map((n) => n.op))
  expect(ops.has('ApplyGradientDescent')).toBe(false)
  expect(ops.has('RestoreV2')).toBe(false)
  expect(ops.has('VariableV2')).toBe(false)
  expect(ops).toContain('Conv2D')
  expect(ops).toContain('MaxPool')
  const names = servable.artifacts.weightSpecs!.map((s) => s.name)
  expect(names).toContain('conv0/kernel')
  expect(names).toContain('dense/bias')
})

test('TF2: captured resources are bound through the object graph (keys differ from node names)', async () => {
  const servable = await savedModelLoader.load(join(dir, 'tf2'))
  const topo = servable.artifacts.modelTopology as { node: { op: string }[] }
  const ops = new Set(topo.node.map((n) => n.op))
  expect(ops.has('StatefulPartitionedCall')).toBe(false)
  expect(ops.has('VarHandleOp')).toBe(false)
  expect(ops.has('ReadVariableOp')).toBe(false)
  const spec = servable.artifacts.weightSpecs!.find((s) => s.name === 'dense/kernel')
  expect(spec?.shape).toEqual(weights.dense.shape)
})
