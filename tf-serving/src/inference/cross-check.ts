// The native backend is never trusted blind: at each model load on @tensorflow/tfjs-node, a small
// probe batch runs through the native backend and through WebAssembly, and the outputs must agree
// within a tolerance per dtype. This file is the pure part: the probe inputs and the comparison.
import type { SignatureDef } from '../loaders/types.ts'
import type { TensorMap, WireTensor } from './protocol.ts'

/** Rows in a probe batch. */
const PROBE_ROWS = 2

/**
 * Float outputs agree when |a − b| ≤ ABS + REL·|b|: native TensorFlow and XNNPACK order their
 * sums differently, so the last bits differ, and errors grow with depth. Everything else (int32,
 * bool, string) must be equal.
 */
export const FLOAT_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const

/** Deterministic values in [-1, 1): the same probe on every load and every worker. */
const probeFloats = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7))

const probeTensor = (dtype: string, shape: number[]): WireTensor | undefined => {
  const n = shape.reduce((a, b) => a * b, 1)
  if (dtype === 'DT_STRING') return undefined
  if (dtype === 'DT_BOOL')
    return { dtype: 'bool', shape, data: Uint8Array.from({ length: n }, (_, i) => i % 2) }
  if (dtype.startsWith('DT_INT') || dtype.startsWith('DT_UINT'))
    return { dtype: 'int32', shape, data: Int32Array.from({ length: n }, (_, i) => i % 3) }
  return { dtype: 'float32', shape, data: probeFloats(n) }
}

/**
 * Probe inputs for a signature: unknown dimensions become PROBE_ROWS, an unknown rank a vector.
 * Undefined when the signature takes strings (a probe cannot invent meaningful ones).
 */
export const probeInputs = (sig: SignatureDef): TensorMap | undefined => {
  const out: TensorMap = {}
  if (sig.examples) {
    for (const f of sig.examples.features) {
      if (!f.tensor) continue
      const t = probeTensor(f.dtype, [PROBE_ROWS, ...f.shape])
      if (!t) return undefined
      out[f.tensor] = t
    }
    return out
  }
  for (const [alias, spec] of Object.entries(sig.inputs)) {
    const shape = spec.shape
      ? spec.shape.map((d, i) => (d >= 0 ? d : i === 0 ? PROBE_ROWS : 1))
      : [PROBE_ROWS]
    const t = probeTensor(spec.dtype, shape)
    if (!t) return undefined
    out[alias] = t
  }
  return out
}

const sameFloat = (a: number, b: number) =>
  (Number.isNaN(a) && Number.isNaN(b)) ||
  a === b ||
  Math.abs(a - b) <= FLOAT_TOLERANCE.abs + FLOAT_TOLERANCE.rel * Math.abs(b)

/** Undefined when `got` (native) agrees with `want` (WebAssembly), else what differs. */
export const compareTensors = (name: string, got: WireTensor, want: WireTensor) => {
  if (got.dtype !== want.dtype) return `${name}: dtype ${got.dtype} vs ${want.dtype}`
  if (got.shape.join(',') !== want.shape.join(','))
    return `${name}: shape [${got.shape}] vs [${want.shape}]`
  const n = got.data.length
  for (let i = 0; i < n; i++) {
    const a = got.data[i]
    const b = want.data[i]
    const same =
      got.dtype === 'float32'
        ? sameFloat(a as number, b as number)
        : got.dtype === 'string'
          ? Buffer.compare(a as Uint8Array, b as Uint8Array) === 0
          : a === b
    if (!same) return `${name}[${i}]: ${String(a)} (native) vs ${String(b)} (wasm)`
  }
  return undefined
}

export const compareOutputs = (got: TensorMap, want: TensorMap): string | undefined => {
  for (const [name, w] of Object.entries(want)) {
    const g = got[name]
    if (!g) return `${name}: missing from the native outputs`
    const diff = compareTensors(name, g, w)
    if (diff) return diff
  }
  return undefined
}
