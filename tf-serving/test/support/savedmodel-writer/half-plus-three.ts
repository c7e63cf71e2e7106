// An equivalent of TensorFlow Serving's test model `saved_model_half_plus_three`, built with our
// own writer (the original binary is not copied into this repository). What it is, as TF Serving's
// test data describes it: a TensorFlow 1.0 export with variables a = 0.5, b = 3, c = 3;
// y = a·x + b and y2 = a·x2 + c; a `serving_default` predict signature x → y; and a regress
// signature keyed "tensorflow/serving/regress" whose input "inputs" is the serialized-Example
// placeholder `tf_example` — declared DT_FLOAT in the SignatureDef, as TensorFlow 1.0 wrote it,
// although the placeholder is a string and a ParseExample (dense float feature "x", shape [1],
// required) reads it in the graph. TF Serving feeds it the serialized Examples regardless; its
// tests expect predict and regress with x = 2.0 to answer 4.0
// (tensorflow_model_server_test.py:290-298). Like the original, its TensorInfos carry no shape.
import { attr, constNode, type NodeObject, node } from './graph-builder.ts'
import type { SavedModelSpec } from './write-saved-model.ts'

const F = attr.type('DT_FLOAT')
const VARIABLES = { a: 0.5, b: 3, c: 3 } as const

const variableNodes = (): NodeObject[] =>
  Object.entries(VARIABLES).flatMap(([name, value]) => [
    constNode(`${name}/initial_value`, 'DT_FLOAT', [], [value]),
    node(name, 'VariableV2', [], {
      dtype: F,
      shape: attr.shape([]),
      container: attr.str(''),
      shared_name: attr.str(''),
    }),
    node(`${name}/Assign`, 'Assign', [name, `${name}/initial_value`], { T: F }),
    node(`${name}/read`, 'Identity', [name], { T: F }),
  ])

const saverNodes = (): NodeObject[] => {
  const names = Object.keys(VARIABLES)
  return [
    constNode('save/Const', 'DT_STRING', [], ['model']),
    ...names.flatMap((name, i) => {
      const p = i === 0 ? 'save/RestoreV2' : `save/RestoreV2_${i}`
      return [
        constNode(`${p}/tensor_names`, 'DT_STRING', [1], [name]),
        constNode(`${p}/shape_and_slices`, 'DT_STRING', [1], ['']),
        node(p, 'RestoreV2', ['save/Const', `${p}/tensor_names`, `${p}/shape_and_slices`], {
          dtypes: attr.types(['DT_FLOAT']),
        }),
        node(i === 0 ? 'save/Assign' : `save/Assign_${i}`, 'Assign', [name, p], { T: F }),
      ]
    }),
    node(
      'save/restore_all',
      'NoOp',
      names.map((_, i) => (i === 0 ? '^save/Assign' : `^save/Assign_${i}`)),
    ),
  ]
}

export const halfPlusThreeModel = (): SavedModelSpec => ({
  tensorflowVersion: '1.0.0-rc2',
  nodes: [
    ...variableNodes(),
    node('tf_example', 'Placeholder', [], { dtype: attr.type('DT_STRING') }),
    constNode('ParseExample/Const', 'DT_FLOAT', [0], []),
    constNode('ParseExample/ParseExample/names', 'DT_STRING', [0], []),
    constNode('ParseExample/ParseExample/dense_keys_0', 'DT_STRING', [], ['x']),
    node(
      'ParseExample/ParseExample',
      'ParseExample',
      [
        'tf_example',
        'ParseExample/ParseExample/names',
        'ParseExample/ParseExample/dense_keys_0',
        'ParseExample/Const',
      ],
      {
        Nsparse: attr.int(0),
        Ndense: attr.int(1),
        sparse_types: attr.types([]),
        Tdense: attr.types(['DT_FLOAT']),
        dense_shapes: attr.shapes([[1]]),
      },
    ),
    node('x', 'Identity', ['ParseExample/ParseExample'], { T: F }),
    node('Mul', 'Mul', ['a/read', 'x'], { T: F }),
    node('y', 'Add', ['Mul', 'b/read'], { T: F }),
    node('x2', 'Placeholder', [], { dtype: F }),
    node('Mul_1', 'Mul', ['a/read', 'x2'], { T: F }),
    node('y2', 'Add', ['Mul_1', 'c/read'], { T: F }),
    node('Identity', 'Identity', ['y'], { T: F }),
    node('init', 'NoOp', ['^a/Assign', '^b/Assign', '^c/Assign']),
    ...saverNodes(),
  ],
  signatures: {
    serving_default: {
      methodName: 'tensorflow/serving/predict',
      inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', shape: undefined } },
      outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', shape: undefined } },
    },
    'tensorflow/serving/regress': {
      methodName: 'tensorflow/serving/regress',
      inputs: { inputs: { name: 'tf_example:0', dtype: 'DT_FLOAT', shape: undefined } },
      outputs: { outputs: { name: 'Identity:0', dtype: 'DT_FLOAT', shape: undefined } },
    },
  },
  variables: Object.fromEntries(
    Object.entries(VARIABLES).map(([name, value]) => [
      name,
      { dtype: 'DT_FLOAT' as const, shape: [], values: Float32Array.of(value) },
    ]),
  ),
  saverDef: {
    filenameTensorName: 'save/Const:0',
    saveTensorName: 'save/Identity:0',
    restoreOpName: 'save/restore_all',
  },
})
