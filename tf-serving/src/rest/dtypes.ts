// TensorFlow dtypes as the REST layer sees them: how a JSON leaf must look for each, how TF
// names it in errors (DataTypeString), and which TF.js dtype carries it.

import type { WireDtype } from '../inference/protocol.ts'
import type { TfDtype } from '../loaders/types.ts'

export const dataTypeString = (dtype: TfDtype): string =>
  dtype === 'DT_FLOAT' ? 'float' : dtype.slice(3).toLowerCase()

const FLOAT_DTYPES: ReadonlySet<TfDtype> = new Set([
  'DT_FLOAT',
  'DT_DOUBLE',
  'DT_HALF',
  'DT_BFLOAT16',
])
/** Floating-point TF types (all carried as float32 on the wire). */
export const isFloatDtype = (dtype: TfDtype) => FLOAT_DTYPES.has(dtype)

/** TF.js has float32, int32, bool and string; wider or narrower TF types travel in these. */
export const wireDtypeOf = (dtype: TfDtype): WireDtype => {
  switch (dtype) {
    case 'DT_BOOL':
      return 'bool'
    case 'DT_STRING':
      return 'string'
    case 'DT_INT8':
    case 'DT_INT16':
    case 'DT_INT32':
    case 'DT_INT64':
    case 'DT_UINT8':
    case 'DT_UINT16':
    case 'DT_UINT32':
    case 'DT_UINT64':
      return 'int32'
    default:
      return 'float32'
  }
}

const INT_RANGE: Partial<Record<TfDtype, [number, number]>> = {
  DT_INT8: [-(2 ** 31), 2 ** 31 - 1],
  DT_INT16: [-(2 ** 31), 2 ** 31 - 1],
  DT_INT32: [-(2 ** 31), 2 ** 31 - 1],
  DT_UINT8: [-(2 ** 31), 2 ** 31 - 1],
  DT_UINT16: [-(2 ** 31), 2 ** 31 - 1],
  DT_INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  DT_UINT32: [0, 2 ** 32 - 1],
  DT_UINT64: [0, Number.MAX_SAFE_INTEGER],
}

/** Whether a JSON scalar may be stored in a tensor of `dtype` (rapidjson's IsNumber/IsInt/...). */
export const leafFits = (value: unknown, dtype: TfDtype): boolean => {
  if (dtype === 'DT_BOOL') return typeof value === 'boolean'
  if (dtype === 'DT_STRING') return typeof value === 'string'
  if (typeof value !== 'number') return false
  const range = INT_RANGE[dtype]
  if (!range) return true
  return Number.isInteger(value) && value >= range[0] && value <= range[1]
}
