import { chmod, cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { ServableArtifacts } from '../../src/loaders/types.ts'
import {
  attr,
  constNode,
  type NodeObject,
  node,
} from '../support/savedmodel-writer/graph-builder.ts'
import type { ClassifierWeights } from '../support/savedmodel-writer/sample-models.ts'

/** TF Serving's test SavedModels, copied into the repository (origin and licence: README.md beside them). */
export const FIXTURES = resolve(import.meta.dir, '../fixtures/savedmodels')

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `savedmodel-${prefix}-`))
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true })

let backendReady: Promise<boolean> | undefined
export const useCpu = () => {
  backendReady ??= tf.setBackend('cpu')
  return backendReady
}

/** Runs signature `key` of loaded artifacts on `feeds` (keyed by tensor name). */
export const runSignature = async (
  servable: ServableArtifacts,
  key: string,
  feeds: Record<string, tf.Tensor>,
  outputAliases?: string[],
): Promise<Record<string, tf.Tensor>> => {
  await useCpu()
  const sig = servable.signatures[key]
  if (!sig) throw new Error(`no signature ${key}`)
  const model = await tf.loadGraphModel(tf.io.fromMemory(servable.artifacts))
  const aliases = outputAliases ?? Object.keys(sig.outputs)
  const out = model.execute(
    feeds,
    aliases.map((a) => sig.outputs[a]!.name),
  )
  const list = Array.isArray(out) ? out : [out]
  return Object.fromEntries(aliases.map((a, i) => [a, list[i]!]))
}

/** The sample classifier computed directly with TensorFlow.js ops. */
export const referenceClassifier = (w: ClassifierWeights, images: tf.Tensor4D) =>
  tf.tidy(() => {
    let x: tf.Tensor4D = images
    for (const c of w.convs) {
      const k = tf.tensor4d(c.kernel, c.shape as [number, number, number, number])
      x = tf.relu(tf.add(tf.conv2d(x, k, 1, 'same'), tf.tensor1d(c.bias))) as tf.Tensor4D
      x = tf.maxPool(x, 2, 2, 'valid')
    }
    const flat = tf.reshape(x, [images.shape[0], -1]) as tf.Tensor2D
    const logits = tf.add(
      tf.matMul(flat, tf.tensor2d(w.dense.kernel, w.dense.shape as [number, number])),
      tf.tensor1d(w.dense.bias),
    )
    return { probs: tf.softmax(logits), classes: tf.argMax(logits, 1) }
  })

/** Copies a fixture folder and makes the copy writable (the fixtures are read-only). */
export const copyWritable = async (from: string, to: string) => {
  await cp(from, to, { recursive: true })
  const walk = async (d: string): Promise<void> => {
    await chmod(d, 0o755)
    for (const e of await readdir(d, { withFileTypes: true }))
      if (e.isDirectory()) await walk(join(d, e.name))
      else await chmod(join(d, e.name), 0o644)
  }
  await walk(to)
}

const FLOAT = attr.type('DT_FLOAT')

/** Placeholders `x` (float) and `cond` (bool), and `y` = StatelessIf(cond, x) over then_fn/else_fn. */
export const statelessIfNodes = (): NodeObject[] => [
  node('x', 'Placeholder', [], { dtype: FLOAT }),
  node('cond', 'Placeholder', [], { dtype: attr.type('DT_BOOL') }),
  node('y', 'StatelessIf', ['cond', 'x'], {
    Tcond: attr.type('DT_BOOL'),
    Tin: attr.types(['DT_FLOAT']),
    Tout: attr.types(['DT_FLOAT']),
    then_branch: attr.func('then_fn'),
    else_branch: attr.func('else_fn'),
  }),
]

/** A branch function `name` taking float `a` and returning float `out` = tensor `ret`. */
export const floatBranch = (name: string, nodes: NodeObject[], ret: string) => ({
  name,
  inputArgs: [{ name: 'a', type: 'DT_FLOAT' }],
  outputArgs: [{ name: 'out', type: 'DT_FLOAT' }],
  nodes,
  ret: { out: ret },
})

/** serving_default: predict, float `x:0` [-1] in, float `y:0` [-1] out. */
export const xToYSignatures = () => ({
  serving_default: {
    methodName: 'tensorflow/serving/predict',
    inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT', shape: [-1] } },
    outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', shape: [-1] } },
  },
})

/** A model computing y = `op`(x, 2), e.g. with an op TensorFlow.js does not know. */
export const binaryOpModel = (op: string) => ({
  nodes: [
    node('x', 'Placeholder', [], { dtype: FLOAT }),
    constNode('k', 'DT_FLOAT', [], [2]),
    node('y', op, ['x', 'k'], { T: FLOAT }),
  ],
  signatures: xToYSignatures(),
})
