// If/While bodies stay functions that TF.js runs itself; their constants must travel as weights.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import * as tf from '@tensorflow/tfjs'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import { attr, constNode, node } from '../support/savedmodel-writer/graph-builder.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { floatBranch, removeDir, statelessIfNodes, tempDir, useCpu } from './helpers.ts'

let dir = ''
beforeAll(async () => {
  await useCpu()
  dir = await tempDir('if')
  const F = attr.type('DT_FLOAT')
  // Both branches name their constant `k`: the loader keeps them apart.
  const branch = (name: string, k: number) =>
    floatBranch(
      name,
      [constNode('k', 'DT_FLOAT', [], [k]), node('m', 'Mul', ['a', 'k:output:0'], { T: F })],
      'm:z:0',
    )
  await writeSavedModel(dir, {
    nodes: statelessIfNodes(),
    functions: [branch('then_fn', 2), branch('else_fn', -1)],
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: {
          x: { name: 'x:0', dtype: 'DT_FLOAT', shape: [-1] },
          cond: { name: 'cond:0', dtype: 'DT_BOOL', shape: [] },
        },
        outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', shape: [-1] } },
      },
    },
  })
})
afterAll(() => removeDir(dir))

test('StatelessIf runs either branch with its own constant', async () => {
  const servable = await savedModelLoader.load(dir)
  const model = await tf.loadGraphModel(tf.io.fromMemory(servable.artifacts))
  const run = async (c: boolean) => {
    const out = (await model.executeAsync(
      { 'x:0': tf.tensor([1, 3]), 'cond:0': tf.scalar(c, 'bool') },
      'y:0',
    )) as tf.Tensor
    return Array.from(await out.data())
  }
  expect(await run(true)).toEqual([2, 6])
  expect(await run(false)).toEqual([-1, -3])
})
