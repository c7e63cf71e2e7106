// Joining request tensors along dimension 0 and splitting the batched outputs back.
import type { TensorMap, WireTensor } from '../inference/protocol.ts'

export const rowsOf = (inputs: TensorMap): number | undefined => {
  let rows: number | undefined
  for (const t of Object.values(inputs)) {
    if (t.shape.length === 0) return undefined
    const r = t.shape[0] as number
    if (rows !== undefined && r !== rows) return undefined
    rows = r
  }
  return rows
}

/** Tasks may share a batch only when every input has the same dtype and non-batch dims. */
export const batchSignature = (inputs: TensorMap): string =>
  Object.keys(inputs)
    .sort()
    .map((k) => {
      const t = inputs[k] as WireTensor
      return `${k}:${t.dtype}:${t.shape.slice(1).join('x')}`
    })
    .join('|')

export const concatRows = (parts: WireTensor[]): WireTensor => {
  const first = parts[0] as WireTensor
  if (parts.length === 1) return first
  const rows = parts.reduce((n, p) => n + (p.shape[0] as number), 0)
  const shape = [rows, ...first.shape.slice(1)]
  if (first.dtype === 'string')
    return { dtype: 'string', shape, data: parts.flatMap((p) => p.data as Uint8Array[]) }
  const total = parts.reduce((n, p) => n + (p.data as Float32Array).length, 0)
  const Ctor = first.data.constructor as new (n: number) => Float32Array | Int32Array | Uint8Array
  const data = new Ctor(total)
  let offset = 0
  for (const p of parts) {
    const d = p.data as Float32Array
    data.set(d, offset)
    offset += d.length
  }
  return { dtype: first.dtype, shape, data }
}

export const sliceRows = (t: WireTensor, start: number, count: number): WireTensor => {
  const rows = t.shape[0] as number
  const per = rows === 0 ? 0 : t.data.length / rows
  const shape = [count, ...t.shape.slice(1)]
  return { dtype: t.dtype, shape, data: t.data.slice(start * per, (start + count) * per) }
}
