// TF Serving's own half_plus_two SavedModels, loaded in-process through the loader.
import { beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { SignatureDef, TensorSpec } from '../../src/loaders/types.ts'
import { decodeExamplesRequest } from '../../src/rest/examples.ts'
import { parseJsonBodyExact } from '../../src/rest/json-parse.ts'
import { examplesToFeeds } from '../../src/savedmodel/example/examples-to-feeds.ts'
import { decodeSerializedExample } from '../../src/savedmodel/example/serialized-example.ts'
import { exampleSignature, savedModelLoader } from '../../src/savedmodel/loader.ts'
import { encodeMessage } from '../../src/savedmodel/proto/schema.ts'
import { FIXTURES, runSignature, useCpu } from './helpers.ts'

beforeAll(useCpu)

const VERSION_DIRS = [
  'half_plus_two/00000123',
  'half_plus_two_tf2/00000123',
  'half_plus_two_2_versions/00000123',
  'half_plus_two_2_versions/00000124',
]

const predict = async (dir: string, values: number[], key = 'serving_default') => {
  const servable = await savedModelLoader.load(join(FIXTURES, dir))
  const sig = servable.signatures[key]!
  const [alias, spec] = Object.entries(sig.inputs)[0]!
  expect(alias).toBeDefined()
  const out = await runSignature(servable, key, { [spec.name]: tf.tensor(values) })
  return Array.from(await Object.values(out)[0]!.data())
}

describe.each(VERSION_DIRS)('%s', (dir) => {
  test('is detected as a SavedModel', async () => {
    expect(await savedModelLoader.detect(join(FIXTURES, dir))).toBe(true)
  })
  test('predict [1, 2, 5] → [2.5, 3, 4.5]', async () => {
    expect(await predict(dir, [1, 2, 5])).toEqual([2.5, 3, 4.5])
  })
})

test('a TF.js folder is not claimed by the SavedModel loader', async () => {
  expect(await savedModelLoader.detect(FIXTURES)).toBe(false)
})

/** A float column [-1, 1] named `name`. */
const col = (name: string): TensorSpec => ({ name, dtype: 'DT_FLOAT', shape: [-1, 1] })
const EXAMPLES: TensorSpec = { name: 'tf_example:0', dtype: 'DT_STRING', shape: null }
/** A signature of TF Serving's `method`, in loader form. */
const sig = (
  method: 'predict' | 'classify' | 'regress',
  inputs: Record<string, TensorSpec>,
  outputs: Record<string, TensorSpec>,
): SignatureDef => ({ methodName: `tensorflow/serving/${method}`, inputs, outputs })
/** TF Serving's GetModelMetadata signature_def for half_plus_two (TF1), in loader form. */
const HALF_PLUS_TWO_SIGNATURES: Record<string, SignatureDef> = {
  serving_default: sig('predict', { x: col('x:0') }, { y: col('y:0') }),
  classify_x_to_y: sig('classify', { inputs: EXAMPLES }, { scores: col('y:0') }),
  regress_x_to_y: sig('regress', { inputs: EXAMPLES }, { outputs: col('y:0') }),
  regress_x_to_y2: sig('regress', { inputs: EXAMPLES }, { outputs: col('y2:0') }),
  regress_x2_to_y3: sig('regress', { inputs: col('x2:0') }, { outputs: col('y3:0') }),
}

test('half_plus_two reports the signatures TF Serving reports', async () => {
  const servable = await savedModelLoader.load(join(FIXTURES, 'half_plus_two/00000123'))
  expect(servable.format).toBe('savedmodel')
  expect(servable.kind).toBe('graph')
  const { examples, ...classify } = servable.signatures.classify_x_to_y!
  expect(examples?.features.map((f) => f.key)).toEqual(['x', 'x2'])
  expect({ ...servable.signatures, classify_x_to_y: classify }).toMatchObject(
    HALF_PLUS_TWO_SIGNATURES,
  )
  for (const [key, sig] of Object.entries(HALF_PLUS_TWO_SIGNATURES)) {
    expect(servable.signatures[key]?.inputs).toEqual(sig.inputs)
    expect(servable.signatures[key]?.outputs).toEqual(sig.outputs)
  }
  expect(Object.keys(servable.signatures).sort()).toEqual(
    Object.keys(HALF_PLUS_TWO_SIGNATURES).sort(),
  )
})

test('TF2 export: signatures name the call outputs; the init-op signature is not served', async () => {
  const servable = await savedModelLoader.load(join(FIXTURES, 'half_plus_two_tf2/00000123'))
  expect(Object.keys(servable.signatures).sort()).toEqual([
    'classify_x2_to_y3',
    'classify_x_to_y',
    'regress_x2_to_y3',
    'regress_x_to_y',
    'regress_x_to_y2',
    'serving_default',
  ])
  expect(servable.signatures.serving_default?.outputs.y?.name).toBe('StatefulPartitionedCall_5:0')
  expect(await predict('half_plus_two_tf2/00000123', [1, 2, 5], 'regress_x2_to_y3')).toEqual([
    3.5, 4, 5.5,
  ])
})

/**
 * Classify/regress: a JSON request body (text, so `1.0` stays a float as TF Serving reads it) fed
 * straight into the features the graph would have parsed.
 */
const viaExamples = async (dir: string, key: string, body: string) => {
  const servable = await savedModelLoader.load(join(FIXTURES, dir))
  const spec = exampleSignature(servable.artifacts, key)
  if (!spec) throw new Error(`no example spec for ${key}`)
  const decoded = decodeExamplesRequest(parseJsonBodyExact(body))
  const feeds = examplesToFeeds(spec, decoded.examples, decoded.context)
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([name, f]) => [
      name,
      tf.tensor(f.data as Float32Array, f.shape, f.dtype),
    ]),
  )
  const out = await runSignature(servable, key, tensors)
  return Array.from(await Object.values(out)[0]!.data())
}

describe.each(['half_plus_two/00000123', 'half_plus_two_tf2/00000123'])(
  '%s via tf.Examples',
  (dir) => {
    test('classify_x_to_y scores 0.5x + 2', async () => {
      expect(
        await viaExamples(dir, 'classify_x_to_y', '{"examples":[{"x":1.0},{"x":[2.0]},{"x":5.0}]}'),
      ).toEqual([2.5, 3, 4.5])
    })
    test('regress_x_to_y and regress_x_to_y2 (0.5x + 3)', async () => {
      const body = '{"examples":[{"x":1.0},{"x":2.0}]}'
      expect(await viaExamples(dir, 'regress_x_to_y', body)).toEqual([2.5, 3])
      expect(await viaExamples(dir, 'regress_x_to_y2', body)).toEqual([3.5, 4])
    })
    test('context supplies a feature an example lacks', async () => {
      const body = '{"context":{"x":10.0},"examples":[{},{"x":4.0}]}'
      expect(await viaExamples(dir, 'regress_x_to_y', body)).toEqual([7, 4])
    })
    test('a missing required feature is a request error naming it', async () => {
      await expect(viaExamples(dir, 'regress_x_to_y', '{"examples":[{"x2":1.0}]}')).rejects.toThrow(
        'Name: <unknown>, Feature: x (data type: float) is required but could not be found.',
      )
      // An int64 list for a float feature: TensorFlow's ParseExample wording.
      await expect(
        viaExamples(dir, 'regress_x_to_y', '{"examples":[{"x":1}]}'),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message:
          "Name: <unknown>, Key: x, Index: 0.  Data types don't match. Data type: int64 but expected type: float",
      })
    })
  },
)

test('the regress signature over a float input (x2 → y3) runs as a plain predict', async () => {
  expect(await predict('half_plus_two/00000123', [1, 2], 'regress_x2_to_y3')).toEqual([3.5, 4])
})

test('a serialized Example keeps a feature named "__proto__" as a feature', () => {
  // Feature names come from the client; before, this one replaced the Example's prototype.
  const feature = Object.fromEntries([['__proto__', { floatList: { value: [1] } }]])
  const ex = decodeSerializedExample(encodeMessage('Example', { features: { feature } }))
  expect(Object.getPrototypeOf(ex)).toBe(Object.prototype)
  expect(Object.keys(ex)).toEqual(['__proto__'])
  expect(Object.getOwnPropertyDescriptor(ex, '__proto__')?.value).toEqual({
    kind: 'float',
    values: [1],
  })
})
