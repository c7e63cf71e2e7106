// TF2 function-library details: multi-output ops referenced as `node:output_arg:index` inside a
// function body, a stateless PartitionedCall, and several outputs of one call.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import * as tf from '@tensorflow/tfjs'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import { attr, constNode, node } from '../support/savedmodel-writer/graph-builder.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { removeDir, runSignature, tempDir, useCpu } from './helpers.ts'

let dir = ''
beforeAll(async () => {
  await useCpu()
  dir = await tempDir('functions')
  const F = attr.type('DT_FLOAT')
  await writeSavedModel(dir, {
    nodes: [
      node('serving_default_x', 'Placeholder', [], { dtype: F, shape: attr.shape([-1, 5]) }),
      node('PartitionedCall', 'PartitionedCall', ['serving_default_x'], {
        f: attr.func('__inference_top2_7'),
        Tin: attr.types(['DT_FLOAT']),
        Tout: attr.types(['DT_INT32', 'DT_FLOAT']),
      }),
    ],
    functions: [
      {
        name: '__inference_top2_7',
        inputArgs: [{ name: 'x', type: 'DT_FLOAT' }],
        outputArgs: [
          { name: 'indices', type: 'DT_INT32' },
          { name: 'scaled', type: 'DT_FLOAT' },
        ],
        nodes: [
          constNode('k', 'DT_INT32', [], [2]),
          node('TopKV2', 'TopKV2', ['x', 'k:output:0'], { T: F, sorted: attr.bool(true) }),
          constNode('ten', 'DT_FLOAT', [], [10]),
          // values is output 0, indices output 1 of TopKV2.
          node('mul', 'Mul', ['TopKV2:values:0', 'ten:output:0'], { T: F }),
          node('Identity', 'Identity', ['TopKV2:indices:0'], { T: attr.type('DT_INT32') }),
        ],
        ret: { indices: 'Identity:output:0', scaled: 'mul:z:0' },
      },
    ],
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: { x: { name: 'serving_default_x:0', dtype: 'DT_FLOAT', shape: [-1, 5] } },
        outputs: {
          indices: { name: 'PartitionedCall:0', dtype: 'DT_INT32', shape: [-1, 2] },
          scaled: { name: 'PartitionedCall:1', dtype: 'DT_FLOAT', shape: [-1, 2] },
        },
      },
    },
  })
})
afterAll(() => removeDir(dir))

test('TopKV2 outputs resolve by output-argument name; both call outputs are fetchable', async () => {
  const servable = await savedModelLoader.load(dir)
  const x = tf.tensor2d([
    [0.1, 0.9, 0.3, 0.7, 0.5],
    [5, 4, 3, 2, 1],
  ])
  const out = await runSignature(servable, 'serving_default', { 'serving_default_x:0': x })
  expect(Array.from(await out.indices!.data())).toEqual([1, 3, 0, 1])
  const scaled = Array.from(await out.scaled!.data())
  for (const [i, v] of [9, 7, 50, 40].entries()) expect(scaled[i]).toBeCloseTo(v, 5)
})
