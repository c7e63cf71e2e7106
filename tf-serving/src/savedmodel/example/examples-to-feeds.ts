// Turns decoded TF Serving REST `examples` (+ `context`) into the tensors a cut ParseExample would
// have produced: one [batch, ...dense_shape] tensor per dense feature, defaults filled in,
// required features enforced. The checks and their wording are TensorFlow's fast Example parser
// (tensorflow/core/util/example_proto_fast_parsing.cc, FastParseSerializedExample): a feature
// list whose kind is not the dense feature's dtype, a wrong number of values, a required feature
// that is absent (an empty list counts as absent) — all INVALID_ARGUMENT in TF Serving.
// The context is merged under each example, as TF Serving concatenates the serialized context
// and example (tensorflow_serving/servables/tensorflow/util.cc:183-203): the example's own
// feature of the same name wins.
import { invalidArgument } from '../../rest/errors.ts'
import type { Example, Feature } from '../../rest/examples.ts'
import {
  exampleFeatureMissing,
  exampleTypeMismatch,
  exampleWrongCount,
} from '../../rest/messages.ts'
import type { ExampleSignature } from './types.ts'

/** Same shape as the inference protocol's WireTensor, so feeds can be sent to workers as-is. */
export interface FeedTensor {
  dtype: 'float32' | 'int32' | 'string'
  shape: number[]
  data: Float32Array | Int32Array | Uint8Array[]
}

const encoder = new TextEncoder()

/** DataTypeString of the dtype a feature list kind parses as. */
const KIND_DTYPE: Record<NonNullable<Feature['kind']>, string> = {
  float: 'float',
  int64: 'int64',
  bytes: 'string',
}
const DTYPE_NAME: Record<string, string> = {
  DT_FLOAT: 'float',
  DT_INT64: 'int64',
  DT_STRING: 'string',
}
/** The word TensorFlow uses for a list kind in its count error. */
const COUNT_WORD: Record<string, string> = {
  DT_FLOAT: 'float',
  DT_INT64: 'int64',
  DT_STRING: 'bytes',
}

type Value = number | string | Uint8Array

/** Feeds keyed by placeholder name. Throws INVALID_ARGUMENT (HTTP 400) for a bad request. */
export const examplesToFeeds = (
  spec: ExampleSignature,
  examples: readonly Example[],
  context?: Example,
): Record<string, FeedTensor> => {
  if (examples.length === 0) throw invalidArgument('Input is empty.')
  const columns = spec.features.map(() => [] as Value[])
  examples.forEach((ex, index) => {
    const merged: Example = { ...context, ...ex }
    const filled = new Set<number>()
    // Present features first (TensorFlow walks them last entry first), then the absent ones.
    for (const key of Object.keys(merged).reverse()) {
      const d = spec.features.findIndex((f) => f.key === key)
      const f = spec.features[d]
      const feature = merged[key] as Feature
      if (!f || feature.kind === undefined) continue
      const want = DTYPE_NAME[f.dtype] ?? f.dtype
      if (KIND_DTYPE[feature.kind] !== want)
        throw invalidArgument(exampleTypeMismatch(index, key, KIND_DTYPE[feature.kind], want))
      const per = f.shape.reduce((n, s) => n * s, 1)
      if (feature.values.length !== per)
        throw invalidArgument(
          exampleWrongCount(
            index,
            key,
            COUNT_WORD[f.dtype] ?? want,
            f.shape,
            feature.values.length,
          ),
        )
      ;(columns[d] as Value[]).push(...(feature.values as Value[]))
      filled.add(d)
    }
    spec.features.forEach((f, d) => {
      if (filled.has(d)) return
      if (!f.default)
        throw invalidArgument(exampleFeatureMissing(f.key, DTYPE_NAME[f.dtype] ?? f.dtype))
      ;(columns[d] as Value[]).push(...f.default)
    })
  })
  const feeds: Record<string, FeedTensor> = {}
  spec.features.forEach((f, d) => {
    if (!f.tensor) return
    const all = columns[d] as Value[]
    const shape = [examples.length, ...f.shape]
    if (f.dtype === 'DT_STRING')
      feeds[f.tensor] = {
        dtype: 'string',
        shape,
        data: all.map((v) => (typeof v === 'string' ? encoder.encode(v) : (v as Uint8Array))),
      }
    else if (f.dtype === 'DT_FLOAT')
      feeds[f.tensor] = { dtype: 'float32', shape, data: Float32Array.from(all as number[]) }
    else feeds[f.tensor] = { dtype: 'int32', shape, data: Int32Array.from(all as number[]) }
  })
  return feeds
}
