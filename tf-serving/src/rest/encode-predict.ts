// Output tensors → TF Serving's predict response (json_tensor.cc, MakeJsonFromTensors). Row
// requests get {"predictions": [...]}: one entry per batch item, a bare value when the signature
// has one output, else an object keyed by output alias. Columnar requests get {"outputs": ...}:
// the whole tensor, or an object of tensors. DT_STRING outputs whose alias ends in "_bytes" are
// written as {"b64": ...}.
import type { TensorMap, WireTensor } from '../inference/protocol.ts'
import type { TensorSpec, TfDtype } from '../loaders/types.ts'
import type { RequestFormat } from './decode-predict.ts'
import { isFloatDtype } from './dtypes.ts'
import { invalidArgument } from './errors.ts'
import { formatFloat32, formatFloat64 } from './json-write.ts'
import { escapeJsonString, PrettyJsonWriter } from './pretty-json.ts'

const decoder = new TextDecoder()

type Leaf = (w: PrettyJsonWriter, i: number) => void
type LeafText = (i: number) => string

/** A leaf as JSON text; undefined for `_bytes` outputs, which are objects. */
const leafText = (t: WireTensor, dtype: TfDtype, alias: string): LeafText | undefined => {
  if (t.dtype === 'string') {
    const data = t.data as Uint8Array[]
    if (alias.endsWith('_bytes')) return undefined
    return (i) => escapeJsonString(decoder.decode(data[i]))
  }
  const data = t.data as Float32Array | Int32Array | Uint8Array
  if (t.dtype === 'bool') return (i) => (data[i] ? 'true' : 'false')
  if (t.dtype === 'int32') return (i) => String(data[i])
  // A float output declared as an integer type is printed as an integer, as TF would have cast it.
  if (!isFloatDtype(dtype)) return (i) => String(Math.trunc(data[i] as number))
  return dtype === 'DT_DOUBLE'
    ? (i) => formatFloat64(data[i] as number)
    : (i) => formatFloat32(data[i] as number)
}

const leafWriter = (t: WireTensor, dtype: TfDtype, alias: string): Leaf => {
  const text = leafText(t, dtype, alias)
  if (text) return (w, i) => w.raw(text(i))
  const data = t.data as Uint8Array[]
  return (w, i) => {
    // An object, so laid out on its own lines even inside a single-line array.
    w.startObject()
    w.key('b64')
    w.string(Buffer.from(data[i] as Uint8Array).toString('base64'))
    w.endObject()
  }
}

/**
 * Dims `from..` of a tensor as one single-line array text (`[[1.0, 2.0], [3.0, 4.0]]`): what the
 * writer produces in single-line mode when no object is inside, built directly (big outputs).
 */
const singleLineText = (shape: number[], from: number, text: LeafText, offset: number) => {
  const parts: string[] = []
  let pos = offset
  const rec = (dim: number) => {
    if (dim === shape.length) {
      parts.push(text(pos++))
      return
    }
    parts.push('[')
    const n = shape[dim] as number
    for (let k = 0; k < n; k++) {
      if (k > 0) parts.push(', ')
      rec(dim + 1)
    }
    parts.push(']')
  }
  rec(from)
  return parts.join('')
}

/** Writes dims `from..` of a tensor starting at flat `offset` (AddTensorValues); returns the end. */
const writeNested = (
  w: PrettyJsonWriter,
  shape: number[],
  from: number,
  leaf: Leaf,
  offset: number,
): number => {
  let pos = offset
  const rec = (dim: number) => {
    if (dim === shape.length) {
      leaf(w, pos++)
      return
    }
    w.startArray()
    const n = shape[dim] as number
    for (let k = 0; k < n; k++) rec(dim + 1)
    w.endArray()
  }
  rec(from)
  return pos
}

const elementsPerItem = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1)

/**
 * The predict response as MakeJsonFromTensors lays it out (json_tensor.cc:975-1048): rapidjson's
 * pretty writer; in row format each batch item's values on one line, in columnar format every
 * array element on its own line.
 */
export const encodePredictResponse = (
  outputs: TensorMap,
  specs: Record<string, TensorSpec>,
  format: RequestFormat,
): string => {
  const names = Object.keys(outputs).sort()
  if (names.length === 0) throw invalidArgument('Cannot convert empty tensor map to JSON')
  const leaf = (name: string) =>
    leafWriter(outputs[name] as WireTensor, specs[name]?.dtype ?? 'DT_FLOAT', name)
  const w = new PrettyJsonWriter()
  if (format === 'columnar') {
    w.startObject()
    w.key('outputs')
    if (names.length > 1) w.startObject()
    for (const n of names) {
      if (names.length > 1) w.key(n)
      writeNested(w, (outputs[n] as WireTensor).shape, 0, leaf(n), 0)
    }
    if (names.length > 1) w.endObject()
    w.endObject()
    return w.toString()
  }
  let batch = -1
  for (const name of names) {
    const t = outputs[name] as WireTensor
    if (t.shape.length === 0)
      throw invalidArgument(`Tensor name: ${name} has no shape information `)
    const b = t.shape[0] as number
    if (batch >= 0 && b !== batch)
      throw invalidArgument(
        `Tensor name: ${name} has inconsistent batch size: ${b} expecting: ${batch}`,
      )
    batch = b
  }
  const writers = names.map((n) => {
    const t = outputs[n] as WireTensor
    return {
      name: n,
      t,
      leaf: leaf(n),
      text: leafText(t, specs[n]?.dtype ?? 'DT_FLOAT', n),
      perItem: elementsPerItem(t.shape),
    }
  })
  const objects = names.length > 1
  w.startObject()
  w.key('predictions')
  w.startArray()
  for (let i = 0; i < batch; i++) {
    if (objects) w.startObject()
    w.singleLineArrays = true
    for (const { name, t, leaf: write, text, perItem } of writers) {
      if (objects) w.key(name)
      const offset = i * perItem
      if (text) w.raw(singleLineText(t.shape, 1, text, offset))
      else writeNested(w, t.shape, 1, write, offset)
    }
    w.singleLineArrays = false
    if (objects) w.endObject()
  }
  w.endArray()
  w.endObject()
  return w.toString()
}
