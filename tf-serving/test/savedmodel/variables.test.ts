// Variables in TF1 graphs: resource variables restored under a checkpoint key that differs from
// the node name (found through the graph's RestoreV2 op), and int64/bool/string variables.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import * as tf from '@tensorflow/tfjs'
import { convertSavedModel } from '../../src/savedmodel/convert.ts'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import { attr, constNode, node } from '../support/savedmodel-writer/graph-builder.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { removeDir, runSignature, tempDir, useCpu } from './helpers.ts'

let dir = ''
beforeAll(async () => {
  await useCpu()
  dir = await tempDir('variables')
  const F = attr.type('DT_FLOAT')
  const I64 = attr.type('DT_INT64')
  const keys = ['dense/kernel', 'meta/offset', 'meta/labels', 'meta/mask']
  await writeSavedModel(dir, {
    nodes: [
      node('x', 'Placeholder', [], { dtype: F }),
      node('n', 'Placeholder', [], { dtype: I64 }),
      node('w_handle', 'VarHandleOp', [], {
        dtype: F,
        shape: attr.shape([2]),
        shared_name: attr.str('w_handle'),
      }),
      node('w_read', 'ReadVariableOp', ['w_handle'], { dtype: F }),
      node('y', 'Mul', ['x', 'w_read'], { T: F }),
      node('offset', 'VariableV2', [], { dtype: I64, shape: attr.shape([]) }),
      node('n_plus', 'AddV2', ['n', 'offset'], { T: I64 }),
      node('labels', 'VariableV2', [], { dtype: attr.type('DT_STRING'), shape: attr.shape([3]) }),
      node('labels_out', 'Identity', ['labels'], { T: attr.type('DT_STRING') }),
      node('mask', 'VariableV2', [], { dtype: attr.type('DT_BOOL'), shape: attr.shape([2]) }),
      node('mask_out', 'Identity', ['mask'], { T: attr.type('DT_BOOL') }),
      constNode('save/filename', 'DT_STRING', [], ['model']),
      constNode('save/RestoreV2/tensor_names', 'DT_STRING', [4], keys),
      constNode('save/RestoreV2/shape_and_slices', 'DT_STRING', [4], ['', '', '', '']),
      node(
        'save/RestoreV2',
        'RestoreV2',
        ['save/filename', 'save/RestoreV2/tensor_names', 'save/RestoreV2/shape_and_slices'],
        {
          dtypes: attr.types(['DT_FLOAT', 'DT_INT64', 'DT_STRING', 'DT_BOOL']),
        },
      ),
      node('save/Identity', 'Identity', ['save/RestoreV2'], { T: F }),
      node('save/AssignVariableOp', 'AssignVariableOp', ['w_handle', 'save/Identity'], {
        dtype: F,
      }),
      node('save/Assign_1', 'Assign', ['offset', 'save/RestoreV2:1'], { T: I64 }),
      node('save/Assign_2', 'Assign', ['labels', 'save/RestoreV2:2'], {
        T: attr.type('DT_STRING'),
      }),
      node('save/Assign_3', 'Assign', ['mask', 'save/RestoreV2:3'], { T: attr.type('DT_BOOL') }),
    ],
    variables: {
      'dense/kernel': { dtype: 'DT_FLOAT', shape: [2], values: [3, -1] },
      'meta/offset': { dtype: 'DT_INT64', shape: [], values: [1000] },
      'meta/labels': { dtype: 'DT_STRING', shape: [3], values: ['cat', 'dog', 'émeu'] },
      'meta/mask': { dtype: 'DT_BOOL', shape: [2], values: [1, 0] },
    },
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: {
          x: { name: 'x:0', dtype: 'DT_FLOAT', shape: [-1, 2] },
          n: { name: 'n:0', dtype: 'DT_INT64', shape: [-1] },
        },
        outputs: {
          y: { name: 'y:0', dtype: 'DT_FLOAT', shape: [-1, 2] },
          n_plus: { name: 'n_plus:0', dtype: 'DT_INT64', shape: [-1] },
          labels: { name: 'labels_out:0', dtype: 'DT_STRING', shape: [3] },
          mask: { name: 'mask_out:0', dtype: 'DT_BOOL', shape: [2] },
        },
      },
    },
  })
})
afterAll(() => removeDir(dir))

test('checkpoint keys come from the restore op, not the node names', async () => {
  const { variableKeys } = await convertSavedModel(dir)
  expect(Object.fromEntries(variableKeys)).toEqual({
    w_handle: 'dense/kernel',
    offset: 'meta/offset',
    labels: 'meta/labels',
    mask: 'meta/mask',
  })
})

test('float, int64, string and bool variables serve their checkpoint values', async () => {
  const servable = await savedModelLoader.load(dir)
  const out = await runSignature(servable, 'serving_default', {
    'x:0': tf.tensor2d([[1, 2]]),
    'n:0': tf.tensor1d([1, 2], 'int32'),
  })
  expect(Array.from(await out.y!.data())).toEqual([3, -2])
  expect(Array.from(await out.n_plus!.data())).toEqual([1001, 1002])
  const labels = (await out.labels!.data()) as unknown as Uint8Array[]
  expect(labels.map((b) => (typeof b === 'string' ? b : new TextDecoder().decode(b)))).toEqual([
    'cat',
    'dog',
    'émeu',
  ])
  expect(out.mask!.dtype).toBe('bool')
  expect(Array.from(await out.mask!.data())).toEqual([1, 0])
})
