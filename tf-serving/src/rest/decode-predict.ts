// JSON predict request → named input tensors, following TF Serving's rules (json_tensor.cc,
// FillPredictRequestFromJson): row format `instances` (a list of values, or of objects keyed by
// input alias) or columnar format `inputs` (one value, or an object keyed by alias); leaves are
// checked against the signature's dtype; {"b64": "..."} carries bytes for DT_STRING inputs.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md
import type { TensorMap, WireTensor } from '../inference/protocol.ts'
import type { TensorSpec } from '../loaders/types.ts'
import { dataTypeString, isFloatDtype, leafFits, wireDtypeOf } from './dtypes.ts'
import { invalidArgument, ServingError } from './errors.ts'
import { isDoubleEntry } from './json-parse.ts'
import { debugString, jsonTypeString } from './json-write.ts'
import { hasOwnKey, ownValue } from './own.ts'
import { checkRequestObject, isObject } from './request-object.ts'
import type { ScannedPredict } from './scan-predict.ts'

export type RequestFormat = 'row' | 'columnar'

export interface DecodedPredict {
  signatureName: string
  format: RequestFormat
  inputs: TensorMap
}

const encoder = new TextEncoder()

export const isB64Object = (v: unknown): v is { b64: string } =>
  isObject(v) && Object.keys(v).length === 1 && typeof v.b64 === 'string'

/** `{"b64": …}` → bytes, for predict inputs and example features alike. */
export const decodeB64 = (v: unknown): Uint8Array => {
  if (!isB64Object(v))
    throw invalidArgument(`JSON Value: ${debugString(v)} not formatted correctly for base64 data`)
  // TF accepts the standard and web-safe alphabets, padded or not.
  const text = v.b64.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1)
    throw invalidArgument('Unable to base64 decode')
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** The shape a JSON value implies, following first elements (GetDenseTensorShape). */
const denseShape = (v: unknown): number[] => {
  const shape: number[] = []
  let cur = v
  while (Array.isArray(cur)) {
    shape.push(cur.length)
    if (cur.length === 0) break
    cur = cur[0]
  }
  return shape
}

interface Filled {
  shape: number[]
  /** Leaves in row-major order; a Float32Array when the fast path took them. */
  values: unknown[] | Float32Array
}

/**
 * The common case, an image-sized float tensor, written straight into a Float32Array with no
 * intermediate array. Returns undefined at the first irregularity; the general walk below then
 * finds it again and reports it with TF Serving's wording.
 *
 * The shape is only what the first elements imply: a ragged body can imply 1000^5 elements in
 * 10 KB. So the buffer grows with the leaves actually read (bounded by the body), never sized
 * from the implied shape up front.
 */
const fillFloats = (v: unknown, shape: number[]): Float32Array | undefined => {
  const rank = shape.length
  if (rank === 0) return typeof v === 'number' ? Float32Array.of(v) : undefined
  let total = 1
  for (const d of shape) total *= d
  let out = new Float32Array(Math.min(total, FILL_START))
  let k = 0
  const rec = (node: unknown, level: number): boolean => {
    if (!Array.isArray(node) || node.length !== shape[level]) return false
    if (level === rank - 1) {
      if (k + node.length > out.length) out = grown(out, k + node.length, total)
      for (let i = 0; i < node.length; i++) {
        const x = node[i]
        if (typeof x !== 'number') return false
        out[k++] = x
      }
      return true
    }
    for (let i = 0; i < node.length; i++) if (!rec(node[i], level + 1)) return false
    return true
  }
  return rec(v, 0) ? out : undefined
}

const FILL_START = 1 << 16

/** `out` copied into a buffer of at least `need` elements (doubling), at most `cap`. */
const grown = (out: Float32Array, need: number, cap: number): Float32Array<ArrayBuffer> => {
  const bigger = new Float32Array(Math.min(cap, Math.max(need, out.length * 2)))
  bigger.set(out)
  return bigger
}

/**
 * Walks a JSON value into flat leaves, checking every list against `shape` (FillTensorProto).
 * `holder[key]` is `v` (to tell `1.0` from `1`, see json-parse.ts).
 */
const fill = (v: unknown, spec: TensorSpec, holder?: object, key: string | number = 0): Filled => {
  const shape = denseShape(v)
  if (isFloatDtype(spec.dtype)) {
    const fast = fillFloats(v, shape)
    if (fast) return { shape, values: fast }
  }
  const rank = shape.length
  const values: unknown[] = []
  const integerInput =
    !isFloatDtype(spec.dtype) && spec.dtype !== 'DT_STRING' && spec.dtype !== 'DT_BOOL'
  const walk = (node: unknown, level: number, parent?: object, index: string | number = 0) => {
    if (!Array.isArray(node)) {
      const asWritten = parent !== undefined && isDoubleEntry(parent, index)
      if (level !== rank)
        throw invalidArgument(
          `JSON Value: ${debugString(node, asWritten)} found at incorrect level: ${level + 1} in the JSON DOM. Expected at level: ${rank}`,
        )
      if (isObject(node)) {
        if (spec.dtype !== 'DT_STRING') throw typeError(node, spec, asWritten)
        values.push(decodeB64(node))
        return
      }
      if (!leafFits(node, spec.dtype)) throw typeError(node, spec, asWritten)
      // rapidjson's IsInt/IsInt64/IsUint… are false for a number written as a double (`1.0`).
      if (integerInput && asWritten) throw typeError(node, spec, asWritten)
      values.push(spec.dtype === 'DT_STRING' ? encoder.encode(node as string) : node)
      return
    }
    if (level >= rank)
      throw invalidArgument(`Encountered list at unexpected level: ${level} expected < ${rank}`)
    if (node.length !== shape[level])
      throw invalidArgument(
        `Encountered list at unexpected size: ${node.length} at level: ${level} expected size: ${shape[level]}`,
      )
    for (let i = 0; i < node.length; i++) walk(node[i], level + 1, node, i)
  }
  walk(v, 0, holder, key)
  return { shape, values }
}

const typeError = (v: unknown, spec: TensorSpec, isDouble = false) =>
  invalidArgument(
    `JSON Value: ${debugString(v, isDouble)} Type: ${jsonTypeString(v)} is not of expected type: ${dataTypeString(spec.dtype)}`,
  )

/** Joins per-instance leaves, keeping typed arrays typed. */
const joinValues = (chunks: (unknown[] | Float32Array)[]): unknown[] | Float32Array => {
  if (chunks.length === 1) return chunks[0] as unknown[] | Float32Array
  if (chunks.every((c) => c instanceof Float32Array)) {
    const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0))
    let offset = 0
    for (const c of chunks as Float32Array[]) {
      out.set(c, offset)
      offset += c.length
    }
    return out
  }
  return chunks.flatMap((c) => Array.from(c as ArrayLike<unknown>))
}

export const toWire = (
  spec: TensorSpec,
  shape: number[],
  values: ArrayLike<unknown>,
): WireTensor => {
  const dtype = wireDtypeOf(spec.dtype)
  if (values instanceof Float32Array) {
    if (dtype === 'float32') return { dtype, shape, data: values }
    values = Array.from(values)
  }
  if (dtype === 'string') return { dtype, shape, data: values as Uint8Array[] }
  if (dtype === 'bool')
    return { dtype, shape, data: Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0)) }
  if (dtype === 'int32') return { dtype, shape, data: Int32Array.from(values as number[]) }
  return { dtype, shape, data: Float32Array.from(values as number[]) }
}

const sameShape = (a: number[], b: number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i])
const shapeString = (s: number[]) => `[${s.join(',')}]`

const fromInstances = (instances: unknown[], specs: Record<string, TensorSpec>): TensorMap => {
  const names = Object.keys(specs).sort()
  const first = instances[0]
  if (!isObject(first) && names.length > 1)
    throw invalidArgument(
      'instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map',
    )
  const namedElements = isObject(first) && !isB64Object(first)
  const perName = new Map<
    string,
    { shape: number[]; size: number; chunks: (unknown[] | Float32Array)[] }
  >()
  const add = (item: unknown, name: string, holder: object, key: string | number) => {
    const spec = ownValue(specs, name)
    if (!spec) throw invalidArgument(`JSON object: does not have named input: ${name}`)
    const { shape, values } = fill(item, spec, holder, key)
    const seen = perName.get(name)
    if (!seen) perName.set(name, { shape, size: values.length, chunks: [values] })
    else if (seen.size !== values.length)
      throw invalidArgument(`Expecting tensor size: ${seen.size} but got: ${values.length}`)
    else if (!sameShape(seen.shape, shape))
      throw invalidArgument(
        `Expecting shape ${shapeString(seen.shape)} but got: ${shapeString(shape)}`,
      )
    else seen.chunks.push(values)
  }
  const nested = (i: number, err: unknown, key?: string): never => {
    if (!(err instanceof ServingError)) throw err
    const where = key === undefined ? `${i}` : `${i} key: ${key}`
    throw invalidArgument(
      `Failed to process element: ${where} of 'instances' list. Error: ${err.toStatusString()}`,
    )
  }
  instances.forEach((elem, i) => {
    const elemIsObject = isObject(elem) && !isB64Object(elem)
    if (namedElements) {
      if (!elemIsObject)
        throw invalidArgument(`Expecting object but got list at item ${i} of input list`)
      for (const [key, value] of Object.entries(elem)) {
        try {
          add(value, key, elem, key)
        } catch (err) {
          nested(i, err, key)
        }
      }
      const keys = Object.keys(elem).sort()
      if (keys.length !== names.length || keys.some((k, j) => k !== names[j]))
        throw invalidArgument(
          `Failed to process element: ${i} of 'instances' list. JSON object: ${debugString(elem)} keys must be equal to: ${names.join(',')}`,
        )
    } else {
      if (elemIsObject)
        throw invalidArgument(`Expecting value/list but got object at item ${i} of input list`)
      try {
        add(elem, names[0] as string, instances, i)
      } catch (err) {
        nested(i, err)
      }
    }
  })
  const out: TensorMap = {}
  for (const [name, { shape, chunks }] of perName)
    out[name] = toWire(specs[name] as TensorSpec, [instances.length, ...shape], joinValues(chunks))
  return out
}

const fromInputs = (
  inputs: unknown,
  specs: Record<string, TensorSpec>,
  body: object,
): TensorMap => {
  const names = Object.keys(specs).sort()
  const out: TensorMap = {}
  if (!isObject(inputs) || isB64Object(inputs)) {
    if (names.length > 1)
      throw invalidArgument(
        'inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map',
      )
    const name = names[0] as string
    const spec = specs[name] as TensorSpec
    const { shape, values } = fill(inputs, spec, body, 'inputs')
    out[name] = toWire(spec, shape, values)
    return out
  }
  for (const name of names) {
    if (!hasOwnKey(inputs, name))
      throw invalidArgument(`Missing named input: ${name} in 'inputs' object.`)
    const spec = specs[name] as TensorSpec
    const { shape, values } = fill(inputs[name], spec, inputs, name)
    out[name] = toWire(spec, shape, values)
  }
  // Keys that are not inputs are ignored, as TF Serving does (json_tensor.cc:631-646 looks up
  // only the signature's inputs).
  return out
}

/**
 * Decodes a parsed predict body. `inputSpecs` returns the signature's inputs (and throws TF
 * Serving's error for an unknown signature).
 */
export const decodePredictRequest = (
  raw: unknown,
  inputSpecs: (signatureName: string) => Record<string, TensorSpec>,
): DecodedPredict => {
  const checked = checkRequestObject(raw)
  const body = checked.body
  const signatureName = checked.signatureName ?? ''
  const specs = inputSpecs(signatureName)
  if (Object.keys(specs).length === 0)
    throw invalidArgument(
      `Failed to get input map for signature: ${signatureName === '' ? 'DEFAULT' : signatureName}`,
    )
  const hasInstances = hasOwnKey(body, 'instances')
  const hasInputs = hasOwnKey(body, 'inputs')
  if (hasInstances && hasInputs)
    throw invalidArgument(
      `JSON Value: ${debugString(body)} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist `,
    )
  if (hasInstances) {
    const instances = body.instances
    if (!Array.isArray(instances))
      throw invalidArgument(
        `JSON Value: ${debugString(body)} Expecting 'instances' to be an list/array`,
      )
    if (instances.length === 0)
      throw invalidArgument(`JSON Value: ${debugString(body)} No values in 'instances' array`)
    return { signatureName, format: 'row', inputs: fromInstances(instances, specs) }
  }
  if (hasInputs)
    return { signatureName, format: 'columnar', inputs: fromInputs(body.inputs, specs, body) }
  throw invalidArgument("Missing 'inputs' or 'instances' key")
}

/**
 * A body the byte scanner read, for a signature with one float input: the tensor it already
 * holds is exactly what decodePredictRequest would build. Undefined for any other signature (the
 * caller then runs the general path, which also words that case's errors).
 */
export const decodeScannedPredict = (
  scanned: ScannedPredict,
  inputSpecs: (signatureName: string) => Record<string, TensorSpec>,
): DecodedPredict | undefined => {
  const specs = inputSpecs(scanned.signatureName)
  const names = Object.keys(specs)
  const spec = specs[names[0] as string]
  if (names.length !== 1 || !spec || !isFloatDtype(spec.dtype)) return undefined
  return {
    signatureName: scanned.signatureName,
    format: scanned.key === 'instances' ? 'row' : 'columnar',
    inputs: { [names[0] as string]: toWire(spec, scanned.shape, scanned.data) },
  }
}

/**
 * Checks decoded tensors against the signature's shapes. TF would fail inside the session with
 * a less readable message; the status (400) is the same.
 */
export const checkShapes = (inputs: TensorMap, specs: Record<string, TensorSpec>) => {
  for (const [name, t] of Object.entries(inputs)) {
    const want = ownValue(specs, name)?.shape
    if (!want) continue
    const ok = want.length === t.shape.length && want.every((d, i) => d < 0 || d === t.shape[i])
    if (!ok)
      throw invalidArgument(
        `input ${name} has shape ${shapeString(t.shape)} but the signature expects ${shapeString(want)} (-1 = any size)`,
      )
  }
}
