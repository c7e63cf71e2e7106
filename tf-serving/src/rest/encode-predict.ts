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

const decoder = new TextDecoder()

const leafWriter = (t: WireTensor, dtype: TfDtype, alias: string): ((i: number) => string) => {
  if (t.dtype === 'string') {
    const data = t.data as Uint8Array[]
    if (alias.endsWith('_bytes'))
      return (i) => `{"b64":"${Buffer.from(data[i] as Uint8Array).toString('base64')}"}`
    return (i) => JSON.stringify(decoder.decode(data[i]))
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

/** Writes dims `from..` of a tensor starting at flat `offset`; returns the JSON text. */
const writeNested = (
  shape: number[],
  from: number,
  leaf: (i: number) => string,
  offset: number,
) => {
  const parts: string[] = []
  let pos = offset
  const rec = (dim: number) => {
    if (dim === shape.length) {
      parts.push(leaf(pos++))
      return
    }
    parts.push('[')
    const n = shape[dim] as number
    for (let k = 0; k < n; k++) {
      if (k > 0) parts.push(',')
      rec(dim + 1)
    }
    parts.push(']')
  }
  rec(from)
  return parts.join('')
}

const elementsPerItem = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1)

export const encodePredictResponse = (
  outputs: TensorMap,
  specs: Record<string, TensorSpec>,
  format: RequestFormat,
): string => {
  const names = Object.keys(outputs).sort()
  if (names.length === 0) throw invalidArgument('Cannot convert empty tensor map to JSON')
  const leaf = (name: string) =>
    leafWriter(outputs[name] as WireTensor, specs[name]?.dtype ?? 'DT_FLOAT', name)
  if (format === 'columnar') {
    if (names.length === 1) {
      const name = names[0] as string
      return `{"outputs":${writeNested((outputs[name] as WireTensor).shape, 0, leaf(name), 0)}}`
    }
    const fields = names.map(
      (n) => `${JSON.stringify(n)}:${writeNested((outputs[n] as WireTensor).shape, 0, leaf(n), 0)}`,
    )
    return `{"outputs":{${fields.join(',')}}}`
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
  const writers = names.map((n) => ({ name: n, t: outputs[n] as WireTensor, leaf: leaf(n) }))
  const items: string[] = []
  for (let i = 0; i < batch; i++) {
    const cells = writers.map(({ name, t, leaf: w }) => {
      const json = writeNested(t.shape, 1, w, i * elementsPerItem(t.shape))
      return names.length > 1 ? `${JSON.stringify(name)}:${json}` : json
    })
    items.push(names.length > 1 ? `{${cells.join(',')}}` : (cells[0] as string))
  }
  return `{"predictions":[${items.join(',')}]}`
}
