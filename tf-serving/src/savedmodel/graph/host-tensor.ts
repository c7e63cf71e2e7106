// A tensor held in plain typed arrays, already in the dtype TensorFlow.js will use for it.
// TensorFlow.js has float32, int32, bool and string (and complex64, which we do not load), so
// wider or narrower TensorFlow types are converted here, once, with range checks where values
// could be lost (int64 beyond int32 is refused rather than wrapped).
import { bfloat16ToFloat, halfToFloat } from '../../half-float.ts'
import type { TensorProto, TensorShape } from '../proto/types.ts'

export type JsDtype = 'float32' | 'int32' | 'bool' | 'string'

export interface HostTensor {
  dtype: JsDtype
  shape: number[]
  /** float32 → Float32Array, int32 → Int32Array, bool → Uint8Array (0/1), string → bytes list. */
  data: Float32Array | Int32Array | Uint8Array | Uint8Array[]
}

/** The TensorFlow.js dtype each TensorFlow dtype is served as; undefined = not loadable. */
export const JS_DTYPE: Record<string, JsDtype | undefined> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float32',
  DT_HALF: 'float32',
  DT_BFLOAT16: 'float32',
  DT_INT32: 'int32',
  DT_INT64: 'int32',
  DT_INT16: 'int32',
  DT_INT8: 'int32',
  DT_UINT8: 'int32',
  DT_UINT16: 'int32',
  DT_UINT32: 'int32',
  DT_BOOL: 'bool',
  DT_STRING: 'string',
}

/** Bytes per element in TensorFlow's raw little-endian layout (bundle data, tensor_content). */
const TF_ELEMENT_SIZE: Record<string, number | undefined> = {
  DT_FLOAT: 4,
  DT_DOUBLE: 8,
  DT_HALF: 2,
  DT_BFLOAT16: 2,
  DT_INT32: 4,
  DT_INT64: 8,
  DT_INT16: 2,
  DT_INT8: 1,
  DT_UINT8: 1,
  DT_UINT16: 2,
  DT_UINT32: 4,
  DT_BOOL: 1,
}

const baseDtype = (dtype: string | undefined): string =>
  (dtype ?? 'DT_INVALID').replace(/_REF$/, '')

export const shapeOf = (shape: TensorShape | undefined): number[] =>
  (shape?.dim ?? []).map((d) => d.size ?? 0)

export const numElements = (shape: readonly number[]): number =>
  shape.reduce((n, d) => n * Math.max(d, 0), 1)

const checkInt32 = (v: number, what: string) => {
  if (v > 2147483647 || v < -2147483648)
    throw new Error(`${what}: value ${v} does not fit in int32 (TensorFlow.js has no int64)`)
  return v
}

/** Decodes TensorFlow's raw little-endian element bytes (not strings). */
export const decodeRaw = (
  dtype: string,
  shape: number[],
  bytes: Uint8Array,
  what: string,
): HostTensor => {
  const js = JS_DTYPE[dtype]
  const size = TF_ELEMENT_SIZE[dtype]
  if (!js || !size || js === 'string') throw new Error(`${what}: dtype ${dtype} is not supported`)
  const n = numElements(shape)
  if (bytes.length !== n * size)
    throw new Error(`${what}: ${bytes.length} bytes for ${n} ${dtype} elements`)
  // Same layout as TensorFlow.js (little-endian hosts): one copy, no per-element work.
  if (dtype === 'DT_FLOAT')
    return { dtype: js, shape, data: new Float32Array(bytes.slice().buffer) }
  if (dtype === 'DT_INT32') return { dtype: js, shape, data: new Int32Array(bytes.slice().buffer) }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  if (js === 'bool') return { dtype: js, shape, data: Uint8Array.from(bytes, (b) => (b ? 1 : 0)) }
  const out = js === 'float32' ? new Float32Array(n) : new Int32Array(n)
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'DT_DOUBLE':
        out[i] = view.getFloat64(i * 8, true)
        break
      case 'DT_HALF':
        out[i] = halfToFloat(view.getUint16(i * 2, true))
        break
      case 'DT_BFLOAT16':
        out[i] = bfloat16ToFloat(view.getUint16(i * 2, true))
        break
      case 'DT_INT64':
        out[i] = checkInt32(Number(view.getBigInt64(i * 8, true)), what)
        break
      case 'DT_INT16':
        out[i] = view.getInt16(i * 2, true)
        break
      case 'DT_INT8':
        out[i] = view.getInt8(i)
        break
      case 'DT_UINT8':
        out[i] = view.getUint8(i)
        break
      case 'DT_UINT16':
        out[i] = view.getUint16(i * 2, true)
        break
      case 'DT_UINT32':
        out[i] = checkInt32(view.getUint32(i * 4, true), what)
        break
    }
  }
  return { dtype: js, shape, data: out }
}

/** Repeats the last value to fill `n` elements, as TensorFlow does for short *_val lists. */
const fill = <T>(values: readonly T[], n: number, zero: T): T[] => {
  if (values.length >= n) return values.slice(0, n)
  const last = values.length ? values[values.length - 1]! : zero
  return [...values, ...new Array<T>(n - values.length).fill(last)]
}

/** Decodes a TensorProto (a Const node's `value`, a signature default). */
export const decodeTensorProto = (t: TensorProto, what: string): HostTensor => {
  const dtype = baseDtype(t.dtype)
  const shape = shapeOf(t.tensorShape)
  const n = numElements(shape)
  const js = JS_DTYPE[dtype]
  if (!js) throw new Error(`${what}: dtype ${dtype} is not supported by TensorFlow.js`)
  if (js === 'string')
    return { dtype: js, shape, data: fill(t.stringVal ?? [], n, new Uint8Array()) }
  if (t.tensorContent && t.tensorContent.length > 0)
    return decodeRaw(dtype, shape, t.tensorContent, what)
  let values: number[]
  switch (dtype) {
    case 'DT_FLOAT':
      values = t.floatVal ?? []
      break
    case 'DT_DOUBLE':
      values = t.doubleVal ?? []
      break
    case 'DT_HALF':
      values = (t.halfVal ?? []).map(halfToFloat)
      break
    case 'DT_BFLOAT16':
      values = (t.halfVal ?? []).map(bfloat16ToFloat)
      break
    case 'DT_INT64':
      values = (t.int64Val ?? []).map((v) => checkInt32(v, what))
      break
    case 'DT_UINT32':
      values = (t.uint32Val ?? []).map((v) => checkInt32(v, what))
      break
    case 'DT_BOOL':
      values = (t.boolVal ?? []).map((b) => (b ? 1 : 0))
      break
    default:
      values = t.intVal ?? []
  }
  const filled = fill(values, n, 0)
  const data =
    js === 'float32'
      ? Float32Array.from(filled)
      : js === 'bool'
        ? Uint8Array.from(filled)
        : Int32Array.from(filled)
  return { dtype: js, shape, data }
}
