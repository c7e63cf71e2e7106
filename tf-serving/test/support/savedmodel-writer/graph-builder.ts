// Small helpers to write GraphDef nodes from code (tests, the benchmark): plain objects in the
// shape protobufjs encodes as NodeDef/AttrValue.
import type { WritableDtype } from './tensor-bundle-writer.ts'

export type AttrObject = Record<string, unknown>
export interface NodeObject {
  name: string
  op: string
  input?: string[]
  attr?: Record<string, AttrObject>
}

const encoder = new TextEncoder()

export const attr = {
  type: (t: string): AttrObject => ({ type: t }),
  int: (i: number): AttrObject => ({ i }),
  bool: (b: boolean): AttrObject => ({ b }),
  str: (s: string): AttrObject => ({ s: encoder.encode(s) }),
  ints: (i: number[]): AttrObject => ({ list: { i } }),
  types: (type: string[]): AttrObject => ({ list: { type } }),
  shape: (dims: number[] | null): AttrObject => ({
    shape: dims ? { dim: dims.map((size) => ({ size })) } : { unknownRank: true },
  }),
  shapes: (list: number[][]): AttrObject => ({
    list: { shape: list.map((d) => ({ dim: d.map((size) => ({ size })) })) },
  }),
  func: (name: string): AttrObject => ({ func: { name } }),
}

/** The dtypes a Const here holds (the ones the tests and the benchmark write). */
type ConstDtype = Extract<WritableDtype, 'DT_FLOAT' | 'DT_INT32' | 'DT_STRING'>

/** A TensorProto object holding `values` (tensor_content for floats, string_val for strings). */
const tensorProto = (
  dtype: ConstDtype,
  shape: number[],
  values: ArrayLike<number> | readonly string[],
): AttrObject => {
  const tensorShape = { dim: shape.map((size) => ({ size })) }
  if (dtype === 'DT_STRING')
    return {
      dtype,
      tensorShape,
      stringVal: (values as readonly string[]).map((s) => encoder.encode(s)),
    }
  const nums = Array.from(values as ArrayLike<number>)
  if (dtype === 'DT_INT32') return { dtype, tensorShape, intVal: nums }
  return { dtype, tensorShape, tensorContent: new Uint8Array(Float32Array.from(nums).buffer) }
}

export const constNode = (
  name: string,
  dtype: ConstDtype,
  shape: number[],
  values: ArrayLike<number> | readonly string[],
): NodeObject => ({
  name,
  op: 'Const',
  attr: { dtype: attr.type(dtype), value: { tensor: tensorProto(dtype, shape, values) } },
})

export const node = (
  name: string,
  op: string,
  input: string[] = [],
  attrs: Record<string, AttrObject> = {},
): NodeObject => ({ name, op, input, attr: attrs })
