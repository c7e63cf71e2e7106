// Classify/regress requests: {"signature_name"?, "context"?, "examples": [{feature: value}]}
// (json_tensor.cc, FillClassifyRegressRequestFromJson). TF Serving turns examples into
// tf.Example protos for a graph that parses them; TF.js graphs cannot, so a classify/regress
// signature here names its inputs after features: each input tensor is the feature of that name
// from every example (the context supplies features an example lacks), batched on dim 0.
import type { TensorMap } from '../inference/protocol.ts'
import type { TensorSpec } from '../loaders/types.ts'
import { decodeB64, isB64Object, toWire } from './decode-predict.ts'
import { invalidArgument } from './errors.ts'
import { numberKind } from './json-parse.ts'
import { debugString, formatFloat32, jsonTypeString } from './json-write.ts'
import { hasOwnKey, ownValue, setOwn } from './own.ts'
import { PrettyJsonWriter } from './pretty-json.ts'
import { checkRequestObject, isObject } from './request-object.ts'

type Kind = 'float' | 'int64' | 'bytes'
export interface Feature {
  kind: Kind | undefined
  values: (number | Uint8Array)[]
}
export type Example = Record<string, Feature>

export interface DecodedExamples {
  signatureName: string
  examples: Example[]
  context?: Example
}

const encoder = new TextEncoder()
type NumberKind = ReturnType<typeof numberKind>

/**
 * One JSON value into a feature list (AddValueToFeature, json_tensor.cc:737-794): the first value
 * sets the list's kind and later values must match it. A number written as a double (`1.0`) is a
 * float, one written as an integer (`1`) an int64 (rapidjson keeps the difference; so does
 * parseJsonBodyExact): `[1, 2.5]` is refused, as in TF Serving.
 */
const addValue = (v: unknown, kind: NumberKind, name: string, f: Feature) => {
  const want = (kind: Kind) => {
    if (f.kind !== undefined && f.kind !== kind)
      throw invalidArgument(`Unexpected element type in feature: ${name} expecting type: ${f.kind}`)
    f.kind = kind
  }
  const unexpected = () =>
    invalidArgument(`Feature: ${name} has element with unexpected JSON type: ${jsonTypeString(v)}`)
  if (v === null || Array.isArray(v)) throw unexpected()
  if (typeof v === 'boolean') {
    want('int64')
    f.values.push(v ? 1 : 0)
  } else if (typeof v === 'string') {
    want('bytes')
    f.values.push(encoder.encode(v))
  } else if (typeof v === 'number') {
    if (kind === 'double') want('float')
    else {
      want('int64')
      if (kind === 'uint64')
        throw invalidArgument(`Feature: ${name} has uint64_t element. Only int64_t is supported.`)
    }
    f.values.push(v)
  } else if (isB64Object(v)) {
    want('bytes')
    f.values.push(decodeB64(v))
  } else throw unexpected()
}

const toExample = (v: unknown): Example => {
  if (!isObject(v))
    throw invalidArgument(`Example must be JSON object but got JSON ${jsonTypeString(v)}`)
  const ex: Example = {}
  for (const [name, content] of Object.entries(v)) {
    const f: Feature = { kind: undefined, values: [] }
    if (Array.isArray(content))
      for (let i = 0; i < content.length; i++) addValue(content[i], numberKind(content, i), name, f)
    else addValue(content, numberKind(v, name), name, f)
    setOwn(ex, name, f)
  }
  return ex
}

/**
 * A classify/regress body (FillClassifyRegressRequestFromJson, json_tensor.cc:818-860): checked
 * whole, before the model is looked up. TF Serving words the missing-`examples` error with
 * "classify" for both methods (:839).
 */
export const decodeExamplesRequest = (raw: unknown): DecodedExamples => {
  const { body, signatureName: sig } = checkRequestObject(raw)
  const context = body.context === undefined ? undefined : toExample(body.context)
  if (!hasOwnKey(body, 'examples'))
    throw invalidArgument(
      `JSON Value: ${debugString(body)} When method is classify, key 'examples' is expected and was not found`,
    )
  const examples = body.examples
  if (!Array.isArray(examples))
    throw invalidArgument(
      `JSON Value: ${debugString(body)} Expecting 'examples' value to be an list/array`,
    )
  if (examples.length === 0)
    throw invalidArgument(`JSON Value: ${debugString(body)} 'examples' value is an empty array`)
  return {
    signatureName: sig ?? '',
    examples: examples.map(toExample),
    ...(context ? { context } : {}),
  }
}

/** Builds one batched input tensor per signature input from the examples' features. */
export const examplesToInputs = (
  decoded: DecodedExamples,
  specs: Record<string, TensorSpec>,
): TensorMap => {
  const out: TensorMap = {}
  const n = decoded.examples.length
  for (const [alias, spec] of Object.entries(specs)) {
    const values: unknown[] = []
    let perExample = -1
    decoded.examples.forEach((ex, i) => {
      const f = ownValue(ex, alias) ?? (decoded.context && ownValue(decoded.context, alias))
      if (!f)
        throw invalidArgument(
          `Example ${i} has no feature named ${alias} (an input of the signature)`,
        )
      if (perExample >= 0 && f.values.length !== perExample)
        throw invalidArgument(
          `Feature: ${alias} has ${f.values.length} values in example ${i}, expected ${perExample} as in example 0`,
        )
      perExample = f.values.length
      const bytes = spec.dtype === 'DT_STRING'
      if (bytes !== (f.kind === 'bytes'))
        throw invalidArgument(
          `Unexpected element type in feature: ${alias} expecting type: ${bytes ? 'bytes' : 'float or int64'}`,
        )
      // One by one: spread as push() arguments, a long list overflows the call stack.
      for (const v of f.values) values.push(v)
    })
    const dims = spec.shape?.slice(1) ?? []
    const known = dims.every((d) => d >= 0)
    const size = dims.reduce((a, b) => a * b, 1)
    let shape: number[]
    if (spec.shape && known) {
      if (size !== perExample)
        throw invalidArgument(
          `Feature: ${alias} has ${perExample} values per example but the signature expects ${size} (shape [${dims.join(',')}])`,
        )
      shape = [n, ...dims]
    } else shape = spec.shape && spec.shape.length === 1 ? [n] : [n, perExample]
    out[alias] = toWire(spec, shape, values)
  }
  return out
}

// TF Serving keys both results "results" (kClassifyRegressResponseKey, json_tensor.cc:82; its
// docs say "result"). The layout is rapidjson's pretty writer with single-line inner arrays.

/**
 * {"results": [[[label, score], ...], ...]} as MakeJsonFromClassificationResult writes it
 * (json_tensor.cc:1068-1102): one single-line array per example, then a newline before the
 * closing bracket of the outer list.
 */
export const encodeClassification = (rows: { label: string; score: number }[][]): string => {
  if (rows.length === 0) throw invalidArgument('Cannot convert empty ClassificationResults to JSON')
  const w = new PrettyJsonWriter()
  w.startObject()
  w.key('results')
  w.startArray()
  for (const row of rows) {
    w.singleLineArrays = true
    w.startArray()
    for (const c of row) {
      w.startArray()
      w.string(c.label)
      w.raw(formatFloat32(c.score))
      w.endArray()
    }
    w.endArray()
    w.singleLineArrays = false
  }
  w.endArray()
  w.endObject()
  return w.toString()
}

/** {"results": [v, ...]} on one line, as MakeJsonFromRegressionResult writes it (:1104-1127). */
export const encodeRegression = (values: number[]): string => {
  if (values.length === 0) throw invalidArgument('Cannot convert empty RegressionResults to JSON')
  const w = new PrettyJsonWriter()
  w.startObject()
  w.key('results')
  w.singleLineArrays = true
  w.startArray()
  for (const v of values) w.raw(formatFloat32(v))
  w.endArray()
  w.endObject()
  return w.toString()
}
