// TensorProto ↔ the tensors the inference workers take (WireTensor), following TensorFlow's
// Tensor::FromProto / AsProtoField / AsProtoTensorContent: `tensor_content` holds row-major
// little-endian elements and wins over the typed `*_val` fields; a `*_val` list shorter than the
// shape is padded with its last value (empty: zeros); half/bfloat16 travel as 16 bits in int32s.
// @see tensorflow/core/framework/tensor.proto, tensorflow/core/framework/tensor.cc

import { tfServingProtos } from '@tweetbot/common/grpc'
import type protobuf from 'protobufjs'
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../half-float.ts'
import type { WireTensor } from '../inference/protocol.ts'
import { type TensorSpec, TF_DTYPES, type TfDtype } from '../loaders/types.ts'
import { toWire } from '../rest/decode-predict.ts'
import { dataTypeString, wireDtypeOf } from '../rest/dtypes.ts'
import { invalidArgument } from '../rest/errors.ts'

/** A served dtype's number in tensorflow.proto's DataType enum (the enum is written only there). */
const dataTypeNumber = (dataType: protobuf.Enum, dtype: TfDtype): number => {
  const number = dataType.values[dtype]
  if (number === undefined) throw new Error(`tensorflow.proto's DataType has no ${dtype}`)
  return number
}

/** TensorFlow's DataType numbers (types.proto) for the dtypes we serve. */
export const DTYPE_NUMBER: Record<TfDtype, number> = (() => {
  const dataType = tfServingProtos().lookupEnum('tensorflow.DataType')
  return Object.fromEntries(TF_DTYPES.map((d) => [d, dataTypeNumber(dataType, d)])) as Record<
    TfDtype,
    number
  >
})()
const DTYPE_NAME = new Map(Object.entries(DTYPE_NUMBER).map(([k, v]) => [v, k as TfDtype]))
export const dtypeName = (n: number): TfDtype | undefined => DTYPE_NAME.get(n)

/** The fields of a decoded tensorflow.TensorProto we read (protobufjs object). */
export interface TensorProtoIn {
  dtype: number
  tensor_shape?: { dim?: { size: number | { toString(): string } }[] } | null
  tensor_content?: Uint8Array
  float_val?: ArrayLike<number>
  double_val?: ArrayLike<number>
  int_val?: ArrayLike<number>
  int64_val?: ArrayLike<number | { toString(): string }>
  uint32_val?: ArrayLike<number>
  uint64_val?: ArrayLike<number | { toString(): string }>
  bool_val?: ArrayLike<boolean>
  half_val?: ArrayLike<number>
  string_val?: Uint8Array[]
}

/** What TF Serving writes for a response tensor (a plain object protobufjs encodes). */
export interface TensorProtoOut {
  dtype: number
  tensor_shape: { dim: { size: number }[] }
  tensor_content?: Uint8Array
  float_val?: ArrayLike<number>
  double_val?: ArrayLike<number>
  int_val?: ArrayLike<number>
  int64_val?: ArrayLike<number>
  uint32_val?: ArrayLike<number>
  uint64_val?: ArrayLike<number>
  bool_val?: boolean[]
  half_val?: ArrayLike<number>
  string_val?: Uint8Array[]
}

const parseError = (alias: string) => invalidArgument(`tensor parsing error: ${alias}`)

type Elements = ArrayLike<number | bigint> & { [i: number]: number | bigint; buffer: ArrayBuffer }

/**
 * How `tensor_content` lays out a dtype's elements: the typed array over them (tensor_content is
 * little-endian, as is every machine Bun runs on, so a typed array reads and writes them as they
 * are; its BYTES_PER_ELEMENT is the element size) and, where an element is not the JS number
 * itself, how it converts. Method syntax: each entry's converters take its own element type.
 */
interface ContentLayout {
  array: {
    new (length: number): Elements
    new (buffer: ArrayBuffer): Elements
    readonly BYTES_PER_ELEMENT: number
  }
  read?(element: number | bigint): number
  write?(value: number): number | bigint
}

const CONTENT: Partial<Record<TfDtype, ContentLayout>> = {
  DT_FLOAT: { array: Float32Array },
  DT_DOUBLE: { array: Float64Array },
  DT_INT32: { array: Int32Array },
  DT_UINT32: { array: Uint32Array },
  DT_INT16: { array: Int16Array },
  DT_UINT16: { array: Uint16Array },
  DT_INT8: { array: Int8Array },
  DT_UINT8: { array: Uint8Array },
  DT_BOOL: { array: Uint8Array },
  DT_INT64: { array: BigInt64Array, read: Number, write: BigInt },
  DT_UINT64: { array: BigUint64Array, read: Number, write: BigInt },
  DT_HALF: { array: Uint16Array, read: halfToFloat, write: floatToHalf },
  DT_BFLOAT16: { array: Uint16Array, read: bfloat16ToFloat, write: floatToBfloat16 },
}

/** Element values of `tensor_content` as numbers (or 0/1 for bool). */
const fromContent = (bytes: Uint8Array, dtype: TfDtype, n: number, alias: string) => {
  const content = CONTENT[dtype]
  if (!content || bytes.length !== n * content.array.BYTES_PER_ELEMENT) throw parseError(alias)
  // Always a copy: the bytes sit inside the received message's buffer (often unaligned, maybe
  // pooled), and the inference pool transfers a tensor's whole buffer to the worker.
  // (Not bytes.slice(): on a Node Buffer that is a view, not a copy.)
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  const elements = new content.array(copy.buffer)
  // Without a converter the elements are numbers already.
  return content.read ? Array.from(elements, content.read) : (elements as ArrayLike<number>)
}

/** The typed `*_val` list that carries `dtype`, converted to numbers. */
const valList = (t: TensorProtoIn, dtype: TfDtype): ArrayLike<number> => {
  switch (dtype) {
    case 'DT_FLOAT':
      return t.float_val ?? []
    case 'DT_DOUBLE':
      return t.double_val ?? []
    case 'DT_INT64':
      return Array.from(t.int64_val ?? [], Number)
    case 'DT_UINT64':
      return Array.from(t.uint64_val ?? [], Number)
    case 'DT_UINT32':
      return t.uint32_val ?? []
    case 'DT_BOOL':
      return Array.from(t.bool_val ?? [], (b) => (b ? 1 : 0))
    case 'DT_HALF':
      return Array.from(t.half_val ?? [], halfToFloat)
    case 'DT_BFLOAT16':
      return Array.from(t.half_val ?? [], bfloat16ToFloat)
    default:
      return t.int_val ?? []
  }
}

/** Pads a too-short list with its last value, as Tensor::FromProto does. */
const padded = <T>(values: ArrayLike<T>, n: number, zero: T, alias: string): T[] => {
  if (values.length > n) throw parseError(alias)
  const out = Array.from(values)
  const last = out.length > 0 ? (out[out.length - 1] as T) : zero
  while (out.length < n) out.push(last)
  return out
}

/**
 * Decodes request input `alias` for a signature input `spec`. The dtype must be the one the
 * signature declares (TF's session refuses any other with "Expects arg[i] to be …").
 */
export const decodeTensorProto = (
  t: TensorProtoIn,
  spec: TensorSpec,
  alias: string,
  argIndex: number,
): WireTensor => {
  const dtype = dtypeName(t.dtype)
  if (!dtype) throw parseError(alias)
  if (dtype !== spec.dtype)
    throw invalidArgument(
      `Expects arg[${argIndex}] to be ${dataTypeString(spec.dtype)} but ${dataTypeString(dtype)} is provided`,
    )
  const shape = (t.tensor_shape?.dim ?? []).map((d) => Number(d.size))
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw parseError(alias)
  const n = shape.reduce((a, b) => a * b, 1)
  const wire = wireDtypeOf(dtype)
  if (wire === 'string') {
    if (t.tensor_content && t.tensor_content.length > 0) throw parseError(alias)
    return { dtype: wire, shape, data: padded(t.string_val ?? [], n, new Uint8Array(0), alias) }
  }
  const values =
    t.tensor_content && t.tensor_content.length > 0
      ? fromContent(t.tensor_content, dtype, n, alias)
      : padded(valList(t, dtype), n, 0, alias)
  // The REST decoder's last step: typed array per wire dtype (a Float32Array kept as it is).
  return toWire(spec, shape, values)
}

const INT_VAL: ReadonlySet<TfDtype> = new Set([
  'DT_INT32',
  'DT_INT16',
  'DT_INT8',
  'DT_UINT8',
  'DT_UINT16',
])

const numbersOf = (t: WireTensor, dtype: TfDtype): ArrayLike<number> => {
  const data = t.data as Float32Array | Int32Array | Uint8Array
  // A float output declared as an integer type is truncated, as TF's cast would.
  if (t.dtype === 'float32' && wireDtypeOf(dtype) === 'int32') return Array.from(data, Math.trunc)
  return data
}

const contentOf = (t: WireTensor, dtype: TfDtype): Uint8Array => {
  const values = numbersOf(t, dtype)
  if (dtype === 'DT_FLOAT' && values instanceof Float32Array)
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const content = CONTENT[dtype] ?? (CONTENT.DT_INT32 as ContentLayout)
  const write = content.write ?? ((v: number) => v)
  // Storing into the typed array wraps integers and rounds floats as DataView's setters do.
  const elements = new content.array(values.length)
  for (let i = 0; i < values.length; i++) elements[i] = write(values[i] as number)
  return new Uint8Array(elements.buffer)
}

/**
 * Encodes an output tensor as TF Serving does: the typed `*_val` field by default (AsProtoField),
 * or `tensor_content` with --enable_serialization_as_tensor_content (AsProtoTensorContent).
 */
export const encodeTensorProto = (
  t: WireTensor,
  dtype: TfDtype,
  asContent: boolean,
): TensorProtoOut => {
  const out: TensorProtoOut = {
    dtype: DTYPE_NUMBER[dtype],
    tensor_shape: { dim: t.shape.map((size) => ({ size })) },
  }
  if (t.dtype === 'string') {
    out.string_val = t.data as Uint8Array[]
    return out
  }
  if (asContent) {
    out.tensor_content = contentOf(t, dtype)
    return out
  }
  const values = numbersOf(t, dtype)
  if (dtype === 'DT_FLOAT') out.float_val = values
  else if (dtype === 'DT_DOUBLE') out.double_val = values
  else if (INT_VAL.has(dtype)) out.int_val = values
  else if (dtype === 'DT_INT64') out.int64_val = values
  else if (dtype === 'DT_UINT32') out.uint32_val = values
  else if (dtype === 'DT_UINT64') out.uint64_val = values
  else if (dtype === 'DT_BOOL') out.bool_val = Array.from(values, (v) => v !== 0)
  else if (dtype === 'DT_HALF') out.half_val = Array.from(values, floatToHalf)
  else if (dtype === 'DT_BFLOAT16') out.half_val = Array.from(values, floatToBfloat16)
  else out.float_val = values
  return out
}
