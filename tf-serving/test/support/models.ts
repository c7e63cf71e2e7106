// Small TF.js models written to disk the way the TF.js converter lays them out (model.json +
// one weights .bin), for tests that need a real model but not MobileNet's cost.
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'

/** Saves `model` into `dir` (created) with extra model.json metadata and optional labels.txt. */
export const writeLayersModel = async (
  model: tf.LayersModel,
  dir: string,
  extra: { userDefinedMetadata?: Record<string, unknown>; labels?: string[] } = {},
) => {
  let artifacts: tf.io.ModelArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  const a = artifacts as tf.io.ModelArtifacts
  await mkdir(dir, { recursive: true })
  const weights = a.weightData as ArrayBuffer
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(weights))
  const json = {
    format: 'layers-model',
    generatedBy: 'tf-serving tests',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    ...(extra.userDefinedMetadata ? { userDefinedMetadata: extra.userDefinedMetadata } : {}),
  }
  await writeFile(join(dir, 'model.json'), JSON.stringify(json))
  if (extra.labels) await writeFile(join(dir, 'labels.txt'), `${extra.labels.join('\n')}\n`)
}

const setup = async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu')
}

/**
 * "toy": x[-1,3] → y = x·W + b (2 values, W scaled by `scale`) and z = sum(x) (1 value).
 * Signatures: serving_default (y and z), y_only, classify (scores = y), regress (outputs = z).
 */
export const writeToyModel = async (dir: string, scale = 1) => {
  await setup()
  const x = tf.input({ shape: [3], name: 'x' })
  const yLayer = tf.layers.dense({ units: 2, name: 'y' })
  const zLayer = tf.layers.dense({ units: 1, name: 'z', useBias: false })
  const model = tf.model({
    inputs: x,
    outputs: [yLayer.apply(x), zLayer.apply(x)] as tf.SymbolicTensor[],
  })
  yLayer.setWeights([
    tf.tensor2d([
      [1 * scale, 0],
      [0, 2 * scale],
      [1 * scale, 1 * scale],
    ]),
    tf.tensor1d([0.5, -0.5]),
  ])
  zLayer.setWeights([tf.tensor2d([[1], [1], [1]])])
  const x3 = { name: 'x', dtype: 'DT_FLOAT', shape: [-1, 3] }
  const y = { name: 'y', dtype: 'DT_FLOAT', shape: [-1, 2] }
  const z = { name: 'z', dtype: 'DT_FLOAT', shape: [-1, 1] }
  await writeLayersModel(model, dir, {
    labels: ['first', 'second'],
    userDefinedMetadata: {
      signature_def: {
        serving_default: {
          method_name: 'tensorflow/serving/predict',
          inputs: { x: x3 },
          outputs: { y, z },
        },
        y_only: { method_name: 'tensorflow/serving/predict', inputs: { x: x3 }, outputs: { y } },
        classify: {
          method_name: 'tensorflow/serving/classify',
          inputs: { x: x3 },
          outputs: { scores: y },
        },
        regress: {
          method_name: 'tensorflow/serving/regress',
          inputs: { x: x3 },
          outputs: { outputs: z },
        },
      },
    },
  })
  model.dispose()
}

/** What the toy model computes, for expectations. */
export const toyY = (x: number[], scale = 1) => [
  (x[0] ?? 0) * scale + (x[2] ?? 0) * scale + 0.5,
  (x[1] ?? 0) * 2 * scale + (x[2] ?? 0) * scale - 0.5,
]

/** "pair": two named inputs a[-1,2], b[-1,2] → sum = a + b; signature derived from the model. */
export const writePairModel = async (dir: string) => {
  await setup()
  const a = tf.input({ shape: [2], name: 'a' })
  const b = tf.input({ shape: [2], name: 'b' })
  const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor
  const model = tf.model({ inputs: [a, b], outputs: sum })
  await writeLayersModel(model, dir)
  model.dispose()
}

const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) })
const FLOAT = { type: 'DT_FLOAT' }

/**
 * Writes a graph model into `dir` as tensorflowjs_converter lays one out: model.json with the
 * node list and a `signature` (aliases), and the float32 weights, in order, in w.bin.
 */
const writeGraph = async (
  dir: string,
  graph: {
    node: unknown[]
    signature: unknown
    weights?: { name: string; shape: number[]; values: number[] }[]
  },
) => {
  await mkdir(dir, { recursive: true })
  const weights = graph.weights ?? []
  if (weights.length > 0)
    await writeFile(
      join(dir, 'w.bin'),
      new Uint8Array(Float32Array.from(weights.flatMap((w) => w.values)).buffer),
    )
  const json = {
    format: 'graph-model',
    generatedBy: 'tf-serving tests',
    convertedBy: 'hand-written',
    modelTopology: { node: graph.node, versions: { producer: 1 } },
    weightsManifest:
      weights.length > 0
        ? [
            {
              paths: ['w.bin'],
              weights: weights.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })),
            },
          ]
        : [],
    signature: graph.signature,
  }
  await writeFile(join(dir, 'model.json'), JSON.stringify(json))
}

/** A Const node of float32 `shape` (its values come from the weights). */
const constNode = (name: string, ...shape: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: FLOAT, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(...shape) } } },
})

/**
 * "linear_graph": a TF.js graph model as tensorflowjs_converter writes one (node list + a
 * `signature` with aliases): score = features · [[2], [3]] + 1.
 */
export const writeGraphModel = (dir: string) =>
  writeGraph(dir, {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: FLOAT, shape: { shape: dims(-1, 2) } } },
      constNode('w', 2, 1),
      constNode('b', 1),
      {
        name: 'mm',
        op: 'MatMul',
        input: ['x', 'w'],
        attr: { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } },
      },
      { name: 'add', op: 'AddV2', input: ['mm', 'b'], attr: { T: FLOAT } },
      { name: 'Identity', op: 'Identity', input: ['add'], attr: { T: FLOAT } },
    ],
    weights: [
      { name: 'w', shape: [2, 1], values: [2, 3] },
      { name: 'b', shape: [1], values: [1] },
    ],
    signature: {
      inputs: { features: { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 2) } },
      outputs: { score: { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 1) } },
    },
  })

/** "echo": a graph model passing a DT_STRING tensor through, as `echo` (text) and `echo_bytes` (b64). */
export const writeStringModel = (dir: string) => {
  const str = { type: 'DT_STRING' }
  const shape = dims(-1)
  return writeGraph(dir, {
    node: [
      { name: 's', op: 'Placeholder', attr: { dtype: str, shape: { shape } } },
      { name: 'Identity', op: 'Identity', input: ['s'], attr: { T: str } },
      { name: 'Identity_1', op: 'Identity', input: ['s'], attr: { T: str } },
    ],
    signature: {
      inputs: { text: { name: 's:0', dtype: 'DT_STRING', tensorShape: shape } },
      outputs: {
        echo: { name: 'Identity:0', dtype: 'DT_STRING', tensorShape: shape },
        echo_bytes: { name: 'Identity_1:0', dtype: 'DT_STRING', tensorShape: shape },
      },
    },
  })
}

/** "constant": a graph model answering its weight `w` = [7, 8] (an Identity of a Const) and its input. */
export const writeConstantModel = (dir: string) =>
  writeGraph(dir, {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: FLOAT, shape: { shape: dims(-1, 2) } } },
      constNode('w', 2),
      { name: 'Identity', op: 'Identity', input: ['w'], attr: { T: FLOAT } },
      { name: 'Identity_1', op: 'Identity', input: ['x'], attr: { T: FLOAT } },
    ],
    weights: [{ name: 'w', shape: [2], values: [7, 8] }],
    signature: {
      inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 2) } },
      outputs: {
        w: { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: dims(2) },
        x_out: { name: 'Identity_1:0', dtype: 'DT_FLOAT', tensorShape: dims(-1, 2) },
      },
    },
  })

/**
 * "slow": x[-1,width] through `depth` dense layers of width×width, so a run of a few hundred
 * rows takes a noticeable time (hundreds of ms on the wasm backend). Signature derived.
 */
export const writeSlowModel = async (dir: string, width = 512, depth = 8) => {
  await setup()
  const x = tf.input({ shape: [width], name: 'x' })
  let h: tf.SymbolicTensor = x
  for (let i = 0; i < depth; i++)
    h = tf.layers
      .dense({ units: width, name: i === depth - 1 ? 'y' : `h${i}` })
      .apply(h) as tf.SymbolicTensor
  const model = tf.model({ inputs: x, outputs: h })
  await writeLayersModel(model, dir)
  model.dispose()
}

/** "wide": x[-1,width] → y = sum-like dense to 1 value; big inputs for little compute. */
export const writeWideModel = async (dir: string, width = 65_536) => {
  await setup()
  const x = tf.input({ shape: [width], name: 'x' })
  const y = tf.layers.dense({ units: 1, name: 'y' }).apply(x) as tf.SymbolicTensor
  const model = tf.model({ inputs: x, outputs: y })
  await writeLayersModel(model, dir)
  model.dispose()
}

/**
 * A `--model_config_file` serving TF Serving's fixtures (half_plus_two, its TF2 and two-version
 * variants, the latter with labels `stable` → 123 and `canary` → 124) and the default image
 * model, written into `dir`; returns its path.
 */
export const writeFixturesConfig = async (dir: string): Promise<string> => {
  const fixtures = resolve(import.meta.dir, '../fixtures/savedmodels')
  const defaultModel = resolve(import.meta.dir, '../../../models/default')
  const file = join(dir, 'models.config')
  await writeFile(
    file,
    `model_config_list {
  config { name: 'half_plus_two' base_path: '${fixtures}/half_plus_two' }
  config { name: 'half_plus_two_tf2' base_path: '${fixtures}/half_plus_two_tf2' }
  config {
    name: 'half_plus_two_2_versions' base_path: '${fixtures}/half_plus_two_2_versions'
    model_version_policy { all {} }
    version_labels { key: 'stable' value: 123 }
    version_labels { key: 'canary' value: 124 }
  }
  config { name: 'default' base_path: '${defaultModel}' }
}
`,
  )
  return file
}
