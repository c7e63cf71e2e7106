// Turns TF Serving REST `examples` (+ `context`) into the tensors a cut ParseExample would have
// produced: one [batch, ...dense_shape] tensor per dense feature, defaults filled in, required
// features enforced. JSON values follow TF Serving's rules: numbers for float/int64 features,
// strings (or {"b64": …}) for bytes features, a scalar or a list per feature.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md
import { ownValue } from '../../rest/own.ts'
import type { ExampleFeature, ExampleSignature } from './types.ts'

/** Same shape as the inference protocol's WireTensor, so feeds can be sent to workers as-is. */
export interface FeedTensor {
  dtype: 'float32' | 'int32' | 'string'
  shape: number[]
  data: Float32Array | Int32Array | Uint8Array[]
}

const encoder = new TextEncoder()

export class ExampleError extends Error {
  override name = 'ExampleError'
}

const TYPE_NAME: Record<string, string> = {
  DT_FLOAT: 'float',
  DT_INT64: 'int64',
  DT_STRING: 'string',
}

type Value = number | string | Uint8Array

const scalarValue = (f: ExampleFeature, v: unknown, i: number): Value => {
  if (f.dtype === 'DT_STRING') {
    if (typeof v === 'string') return v
    if (v && typeof v === 'object' && typeof (v as { b64?: unknown }).b64 === 'string')
      return new Uint8Array(Buffer.from((v as { b64: string }).b64, 'base64'))
  } else if (typeof v === 'number' && Number.isFinite(v)) {
    if (f.dtype === 'DT_INT64' && !Number.isInteger(v))
      throw new ExampleError(`example ${i}: feature '${f.key}' is int64 but got ${v}`)
    return v
  }
  throw new ExampleError(
    `example ${i}: feature '${f.key}' expects ${TYPE_NAME[f.dtype] ?? f.dtype} values, got ${JSON.stringify(v)}`,
  )
}

const valuesOf = (f: ExampleFeature, raw: unknown, i: number): Value[] =>
  (Array.isArray(raw) ? raw : [raw]).map((v) => scalarValue(f, v, i))

/** Feeds keyed by placeholder name. Throws ExampleError for a bad request (HTTP 400). */
export const examplesToFeeds = (
  spec: ExampleSignature,
  examples: readonly unknown[],
  context?: Record<string, unknown>,
): Record<string, FeedTensor> => {
  if (examples.length === 0) throw new ExampleError('examples is empty')
  const feeds: Record<string, FeedTensor> = {}
  for (const f of spec.features) {
    const per = f.shape.reduce((n, d) => n * d, 1)
    const all: Value[] = []
    examples.forEach((ex, i) => {
      if (!ex || typeof ex !== 'object' || Array.isArray(ex))
        throw new ExampleError(`example ${i} is not a JSON object`)
      const raw =
        ownValue(ex as Record<string, unknown>, f.key) ?? (context && ownValue(context, f.key))
      let vals: Value[]
      if (raw === undefined || raw === null) {
        if (!f.default)
          throw new ExampleError(
            `Feature: ${f.key} (data type: ${TYPE_NAME[f.dtype] ?? f.dtype}) is required but could not be found.`,
          )
        vals = f.default
      } else vals = valuesOf(f, raw, i)
      if (vals.length !== per)
        throw new ExampleError(
          `example ${i}: feature '${f.key}' has ${vals.length} values, expected ${per} (shape [${f.shape.join(',')}])`,
        )
      all.push(...vals)
    })
    if (!f.tensor) continue
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
  }
  return feeds
}
