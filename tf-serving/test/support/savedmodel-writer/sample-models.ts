// A small image classifier (conv → bias → relu → max-pool, repeated; flatten; dense → softmax,
// argmax) with seeded weights, written as a TF1 SavedModel (VariableV2 + saver) or a TF2 one
// (VarHandleOp captured by a StatefulPartitionedCall, nested functions, object graph). Tests
// compare its predictions with the same network run directly in TensorFlow.js; the benchmark
// uses a larger instance.

import { attr, constNode, type NodeObject, node } from './graph-builder.ts'
import type { WritableTensor } from './tensor-bundle-writer.ts'
import type { SavedModelSpec, SignatureObject } from './write-saved-model.ts'

export interface ClassifierConfig {
  size: number
  /** Output channels of each conv block (3×3 kernels, SAME padding, 2×2 max-pool). */
  channels: number[]
  classes: number
  seed?: number
}

export interface ClassifierWeights {
  config: ClassifierConfig
  convs: { kernel: Float32Array; bias: Float32Array; shape: number[] }[]
  dense: { kernel: Float32Array; bias: Float32Array; shape: number[] }
}

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export const classifierWeights = (config: ClassifierConfig): ClassifierWeights => {
  const rand = mulberry32(config.seed ?? 42)
  const fill = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale)
  let inC = 3
  let size = config.size
  const convs = config.channels.map((outC) => {
    const shape = [3, 3, inC, outC]
    const w = { kernel: fill(9 * inC * outC, 1 / Math.sqrt(9 * inC)), bias: fill(outC, 0.1), shape }
    inC = outC
    size = Math.floor(size / 2)
    return w
  })
  const flat = size * size * inC
  return {
    config,
    convs,
    dense: {
      kernel: fill(flat * config.classes, 1 / Math.sqrt(flat)),
      bias: fill(config.classes, 0.1),
      shape: [flat, config.classes],
    },
  }
}

const F = attr.type('DT_FLOAT')
const convAttrs = {
  T: F,
  strides: attr.ints([1, 1, 1, 1]),
  padding: attr.str('SAME'),
  data_format: attr.str('NHWC'),
  dilations: attr.ints([1, 1, 1, 1]),
  use_cudnn_on_gpu: attr.bool(true),
}
const poolAttrs = {
  T: F,
  ksize: attr.ints([1, 2, 2, 1]),
  strides: attr.ints([1, 2, 2, 1]),
  padding: attr.str('VALID'),
  data_format: attr.str('NHWC'),
}

/**
 * The inference nodes. `read(name)` returns the tensor reference holding variable `name`'s value;
 * `ref(node, arg)` spells a node output (GraphDef `node` or FunctionDef `node:arg:0`).
 */
const inferenceNodes = (
  w: ClassifierWeights,
  input: string,
  read: (v: string) => string,
  ref: (n: string, arg: string) => string,
) => {
  const nodes: NodeObject[] = []
  let x = input
  w.convs.forEach((_, i) => {
    const p = `conv${i}`
    nodes.push(node(`${p}/Conv2D`, 'Conv2D', [x, read(`${p}/kernel`)], convAttrs))
    nodes.push(
      node(`${p}/BiasAdd`, 'BiasAdd', [ref(`${p}/Conv2D`, 'output'), read(`${p}/bias`)], {
        T: F,
        data_format: attr.str('NHWC'),
      }),
    )
    nodes.push(node(`${p}/Relu`, 'Relu', [ref(`${p}/BiasAdd`, 'output')], { T: F }))
    nodes.push(node(`${p}/MaxPool`, 'MaxPool', [ref(`${p}/Relu`, 'activations')], poolAttrs))
    x = ref(`${p}/MaxPool`, 'output')
  })
  nodes.push(constNode('flatten/shape', 'DT_INT32', [2], [-1, w.dense.shape[0]!]))
  nodes.push(
    node('flatten/Reshape', 'Reshape', [x, ref('flatten/shape', 'output')], {
      T: F,
      Tshape: attr.type('DT_INT32'),
    }),
  )
  nodes.push(
    node('dense/MatMul', 'MatMul', [ref('flatten/Reshape', 'output'), read('dense/kernel')], {
      T: F,
      transpose_a: attr.bool(false),
      transpose_b: attr.bool(false),
    }),
  )
  nodes.push(
    node('dense/BiasAdd', 'BiasAdd', [ref('dense/MatMul', 'product'), read('dense/bias')], {
      T: F,
      data_format: attr.str('NHWC'),
    }),
  )
  nodes.push(node('probs', 'Softmax', [ref('dense/BiasAdd', 'output')], { T: F }))
  nodes.push(constNode('classes/dimension', 'DT_INT32', [], [1]))
  nodes.push(
    node(
      'classes',
      'ArgMax',
      [ref('dense/BiasAdd', 'output'), ref('classes/dimension', 'output')],
      { T: F, Tidx: attr.type('DT_INT32'), output_type: attr.type('DT_INT64') },
    ),
  )
  return nodes
}

const variableList = (w: ClassifierWeights) => [
  ...w.convs.flatMap((c, i) => [
    { name: `conv${i}/kernel`, shape: c.shape, values: c.kernel },
    { name: `conv${i}/bias`, shape: [c.bias.length], values: c.bias },
  ]),
  { name: 'dense/kernel', shape: w.dense.shape, values: w.dense.kernel },
  { name: 'dense/bias', shape: [w.dense.bias.length], values: w.dense.bias },
]

const signature = (
  w: ClassifierWeights,
  input: string,
  probs: string,
  classes: string,
): SignatureObject => ({
  methodName: 'tensorflow/serving/predict',
  inputs: {
    images: { name: input, dtype: 'DT_FLOAT', shape: [-1, w.config.size, w.config.size, 3] },
  },
  outputs: {
    probabilities: { name: probs, dtype: 'DT_FLOAT', shape: [-1, w.config.classes] },
    classes: { name: classes, dtype: 'DT_INT64', shape: [-1] },
  },
})

/** TF1 layout: VariableV2 + `/read`, initializers, a saver restoring by name, a training op. */
export const tf1Classifier = (w: ClassifierWeights): SavedModelSpec => {
  const vars = variableList(w)
  const nodes: NodeObject[] = [
    node('images', 'Placeholder', [], {
      dtype: F,
      shape: attr.shape([-1, w.config.size, w.config.size, 3]),
    }),
  ]
  for (const v of vars) {
    nodes.push(
      node(v.name, 'VariableV2', [], {
        dtype: F,
        shape: attr.shape(v.shape),
        container: attr.str(''),
        shared_name: attr.str(''),
      }),
    )
    // zeros(shape) as TF1 writes it: a Fill of two small constants.
    const init = `${v.name}/Initializer/zeros`
    nodes.push(constNode(`${init}/shape_as_tensor`, 'DT_INT32', [v.shape.length], v.shape))
    nodes.push(constNode(`${init}/Const`, 'DT_FLOAT', [], [0]))
    nodes.push(
      node(init, 'Fill', [`${init}/shape_as_tensor`, `${init}/Const`], {
        T: F,
        index_type: attr.type('DT_INT32'),
      }),
    )
    nodes.push(
      node(`${v.name}/Assign`, 'Assign', [v.name, `${v.name}/Initializer/zeros`], { T: F }),
    )
    nodes.push(node(`${v.name}/read`, 'Identity', [v.name], { T: F }))
  }
  nodes.push(
    ...inferenceNodes(
      w,
      'images',
      (v) => `${v}/read`,
      (n) => n,
    ),
  )
  // Training and saving leftovers that serving must drop.
  nodes.push(constNode('train/lr', 'DT_FLOAT', [], [0.01]))
  nodes.push(
    node('train/apply', 'ApplyGradientDescent', ['conv0/kernel', 'train/lr', 'conv0/kernel/read'], {
      T: F,
    }),
  )
  nodes.push(
    node(
      'init',
      'NoOp',
      vars.map((v) => `^${v.name}/Assign`),
    ),
  )
  nodes.push(constNode('save/Const', 'DT_STRING', [], ['model']))
  nodes.push(
    constNode(
      'save/RestoreV2/tensor_names',
      'DT_STRING',
      [vars.length],
      vars.map((v) => v.name),
    ),
  )
  nodes.push(
    constNode(
      'save/RestoreV2/shape_and_slices',
      'DT_STRING',
      [vars.length],
      vars.map(() => ''),
    ),
  )
  nodes.push(
    node(
      'save/RestoreV2',
      'RestoreV2',
      ['save/Const', 'save/RestoreV2/tensor_names', 'save/RestoreV2/shape_and_slices'],
      { dtypes: attr.types(vars.map(() => 'DT_FLOAT')) },
    ),
  )
  vars.forEach((v, i) => {
    nodes.push(
      node(
        `save/Assign_${i}`,
        'Assign',
        [v.name, i === 0 ? 'save/RestoreV2' : `save/RestoreV2:${i}`],
        { T: F },
      ),
    )
  })
  nodes.push(
    node(
      'save/restore_all',
      'NoOp',
      vars.map((_, i) => `^save/Assign_${i}`),
    ),
  )
  const variables: Record<string, WritableTensor> = {}
  for (const v of vars) variables[v.name] = { dtype: 'DT_FLOAT', shape: v.shape, values: v.values }
  return {
    nodes,
    variables,
    saverDef: {
      filenameTensorName: 'save/Const:0',
      saveTensorName: 'save/Identity:0',
      restoreOpName: 'save/restore_all',
    },
    signatures: { serving_default: signature(w, 'images:0', 'probs:0', 'classes:0') },
  }
}

/**
 * TF2 layout: resource variables captured by a signature wrapper that calls the model function
 * (nested StatefulPartitionedCall); checkpoint keys only reachable through the object graph.
 */
export const tf2Classifier = (w: ClassifierWeights): SavedModelSpec => {
  const vars = variableList(w)
  const argOf = (v: string) => `${v.replace(/\W/g, '_')}_readvariableop_resource`
  const inner = {
    name: '__inference_call_100',
    inputArgs: [
      { name: 'inputs', type: 'DT_FLOAT' },
      ...vars.map((v) => ({ name: argOf(v.name), type: 'DT_RESOURCE' })),
    ],
    outputArgs: [
      { name: 'identity', type: 'DT_FLOAT' },
      { name: 'identity_1', type: 'DT_INT64' },
    ],
    nodes: [
      ...vars.map((v) =>
        node(`${v.name}/ReadVariableOp`, 'ReadVariableOp', [argOf(v.name)], { dtype: F }),
      ),
      ...inferenceNodes(
        w,
        'inputs',
        (v) => `${v}/ReadVariableOp:value:0`,
        (n, a) => `${n}:${a}:0`,
      ),
      node('Identity', 'Identity', ['probs:softmax:0', '^NoOp'], { T: F }),
      node('Identity_1', 'Identity', ['classes:output:0', '^NoOp'], { T: attr.type('DT_INT64') }),
      node(
        'NoOp',
        'NoOp',
        vars.map((v) => `^${v.name}/ReadVariableOp`),
      ),
    ],
    ret: { identity: 'Identity:output:0', identity_1: 'Identity_1:output:0' },
  }
  const wrapperArgs = vars.map((_, i) => `unknown${i === 0 ? '' : `_${i - 1}`}`)
  const wrapper = {
    name: '__inference_signature_wrapper_200',
    inputArgs: [
      { name: 'images', type: 'DT_FLOAT' },
      ...wrapperArgs.map((name) => ({ name, type: 'DT_RESOURCE' })),
    ],
    outputArgs: [
      { name: 'classes', type: 'DT_INT64' },
      { name: 'probabilities', type: 'DT_FLOAT' },
    ],
    nodes: [
      node('StatefulPartitionedCall', 'StatefulPartitionedCall', ['images', ...wrapperArgs], {
        f: attr.func(inner.name),
        Tin: attr.types(['DT_FLOAT', ...vars.map(() => 'DT_RESOURCE')]),
        Tout: attr.types(['DT_FLOAT', 'DT_INT64']),
      }),
      node('Identity', 'Identity', ['StatefulPartitionedCall:output:1'], {
        T: attr.type('DT_INT64'),
      }),
      node('Identity_1', 'Identity', ['StatefulPartitionedCall:output:0'], { T: F }),
    ],
    ret: { classes: 'Identity:output:0', probabilities: 'Identity_1:output:0' },
  }
  // Object graph: root → layer_with_weights-i → kernel/bias variables (node ids from 1), and
  // the checkpoint keys TF2 derives from those paths.
  type SavedObject = { children: { nodeId: number; localName: string }[]; variable?: object }
  const objects: SavedObject[] = [{ children: [] }]
  const bound: number[] = []
  const variables: Record<string, WritableTensor> = {}
  const layers = [...w.convs.map((_, i) => `conv${i}`), 'dense']
  layers.forEach((layer, li) => {
    const layerObject: SavedObject = { children: [] }
    objects[0]!.children.push({ nodeId: objects.length, localName: `layer_with_weights-${li}` })
    objects.push(layerObject)
    for (const part of ['kernel', 'bias']) {
      const v = vars.find((x) => x.name === `${layer}/${part}`)!
      layerObject.children.push({ nodeId: objects.length, localName: part })
      bound.push(objects.length)
      objects.push({
        children: [],
        variable: {
          dtype: 'DT_FLOAT',
          shape: { dim: v.shape.map((size) => ({ size })) },
          name: v.name,
        },
      })
      variables[`layer_with_weights-${li}/${part}/.ATTRIBUTES/VARIABLE_VALUE`] = {
        dtype: 'DT_FLOAT',
        shape: v.shape,
        values: v.values,
      }
    }
  })
  const nodes: NodeObject[] = [
    node('serving_default_images', 'Placeholder', [], {
      dtype: F,
      shape: attr.shape([-1, w.config.size, w.config.size, 3]),
    }),
    ...vars.map((v) =>
      node(v.name, 'VarHandleOp', [], {
        dtype: F,
        shape: attr.shape(v.shape),
        shared_name: attr.str(v.name),
        container: attr.str(''),
      }),
    ),
    node(
      'StatefulPartitionedCall',
      'StatefulPartitionedCall',
      ['serving_default_images', ...vars.map((v) => v.name)],
      {
        f: attr.func(wrapper.name),
        Tin: attr.types(['DT_FLOAT', ...vars.map(() => 'DT_RESOURCE')]),
        Tout: attr.types(['DT_INT64', 'DT_FLOAT']),
      },
    ),
  ]
  return {
    nodes,
    functions: [inner, wrapper],
    variables,
    objectGraph: { nodes: objects, concreteFunctions: { [wrapper.name]: { boundInputs: bound } } },
    signatures: {
      serving_default: signature(
        w,
        'serving_default_images:0',
        'StatefulPartitionedCall:1',
        'StatefulPartitionedCall:0',
      ),
    },
  }
}
