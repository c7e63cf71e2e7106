// TensorProto ↔ inference tensors, by TensorFlow's rules (tensor.cc FromProto / AsProtoField /
// AsProtoTensorContent): content wins over *_val, short *_val lists are padded with their last
// value, half/bfloat16 travel as 16-bit patterns, strings as string_val.
import { describe, expect, test } from 'bun:test'
import { decodeTensorProto, encodeTensorProto } from '../src/grpc/tensor-proto.ts'
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../src/half-float.ts'
import type { TensorSpec } from '../src/loaders/types.ts'

const spec = (dtype: TensorSpec['dtype']): TensorSpec => ({ name: 'x:0', dtype, shape: null })
const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size })) })

// IEEE 754 binary16 and bfloat16 bit patterns, written out rather than computed by the code
// under test (so a fault shared by its encoder and decoder still shows).
const HALF_BITS: Record<number, number> = { 1.5: 0x3e00, [-2]: 0xc000 }
const BFLOAT16_BITS: Record<number, number> = { 1.5: 0x3fc0, [-2]: 0xc000 }

describe('decode', () => {
  // Each dtype's tensor_content written by hand with DataView (little-endian, one byte of offset
  // so the bytes sit unaligned), read back as numbers. DataType numbers from types.proto.
  test.each([
    [
      'DT_DOUBLE',
      2,
      (v: DataView, o: number, x: number) => v.setFloat64(o, x, true),
      8,
      [-3.25, 7],
    ],
    ['DT_INT32', 3, (v: DataView, o: number, x: number) => v.setInt32(o, x, true), 4, [-3, 7]],
    ['DT_UINT8', 4, (v: DataView, o: number, x: number) => v.setUint8(o, x), 1, [3, 255]],
    ['DT_INT16', 5, (v: DataView, o: number, x: number) => v.setInt16(o, x, true), 2, [-3, 300]],
    ['DT_INT8', 6, (v: DataView, o: number, x: number) => v.setInt8(o, x), 1, [-3, 7]],
    [
      'DT_UINT16',
      17,
      (v: DataView, o: number, x: number) => v.setUint16(o, x, true),
      2,
      [3, 60000],
    ],
    [
      'DT_HALF',
      19,
      (v: DataView, o: number, x: number) => v.setUint16(o, HALF_BITS[x] as number, true),
      2,
      [1.5, -2],
    ],
    [
      'DT_BFLOAT16',
      14,
      (v: DataView, o: number, x: number) => v.setUint16(o, BFLOAT16_BITS[x] as number, true),
      2,
      [1.5, -2],
    ],
  ] as const)('%s tensor_content', (dtype, number, write, size, values) => {
    const bytes = new Uint8Array(1 + values.length * size)
    const view = new DataView(bytes.buffer, 1)
    for (const [i, x] of values.entries()) write(view, i * size, x)
    const t = decodeTensorProto(
      { dtype: number, tensor_shape: shape(values.length), tensor_content: bytes.subarray(1) },
      spec(dtype),
      'x',
      0,
    )
    expect(Array.from(t.data as ArrayLike<number>)).toEqual([...values])
  })

  test('float32 tensor_content (little-endian, unaligned inside a buffer) and float_val agree', () => {
    const bytes = new Uint8Array(13)
    new DataView(bytes.buffer).setFloat32(1, 1.5, true)
    new DataView(bytes.buffer).setFloat32(5, -2, true)
    new DataView(bytes.buffer).setFloat32(9, 3.25, true)
    const content = decodeTensorProto(
      { dtype: 1, tensor_shape: shape(3), tensor_content: bytes.subarray(1) },
      spec('DT_FLOAT'),
      'x',
      0,
    )
    const vals = decodeTensorProto(
      { dtype: 1, tensor_shape: shape(3), float_val: [1.5, -2, 3.25] },
      spec('DT_FLOAT'),
      'x',
      0,
    )
    expect(Array.from(content.data as Float32Array)).toEqual([1.5, -2, 3.25])
    expect(vals).toEqual(content)
    expect(content.shape).toEqual([3])
  })
  test('a short *_val list is padded with its last value; an empty one is zeros', () => {
    const t = decodeTensorProto(
      { dtype: 3, tensor_shape: shape(2, 2), int_val: [7] },
      spec('DT_INT32'),
      'x',
      0,
    )
    expect([t.dtype, Array.from(t.data as Int32Array)]).toEqual(['int32', [7, 7, 7, 7]])
    const z = decodeTensorProto({ dtype: 1, tensor_shape: shape(2) }, spec('DT_FLOAT'), 'x', 0)
    expect(Array.from(z.data as Float32Array)).toEqual([0, 0])
  })
  test('uint8 and int64 content, bool_val, string_val, half_val', () => {
    const u8 = decodeTensorProto(
      { dtype: 4, tensor_shape: shape(3), tensor_content: new Uint8Array([0, 128, 255]) },
      spec('DT_UINT8'),
      'x',
      0,
    )
    expect(Array.from(u8.data as Int32Array)).toEqual([0, 128, 255])
    const i64 = new Uint8Array(16)
    new DataView(i64.buffer).setBigInt64(0, -5n, true)
    new DataView(i64.buffer).setBigInt64(8, 1n << 40n, true)
    const big = decodeTensorProto(
      { dtype: 9, tensor_shape: shape(2), tensor_content: i64 },
      spec('DT_INT64'),
      'x',
      0,
    )
    expect(Array.from(big.data as Int32Array)[0]).toBe(-5)
    const b = decodeTensorProto(
      { dtype: 10, tensor_shape: shape(2), bool_val: [true, false] },
      spec('DT_BOOL'),
      'x',
      0,
    )
    expect([b.dtype, Array.from(b.data as Uint8Array)]).toEqual(['bool', [1, 0]])
    const s = decodeTensorProto(
      { dtype: 7, tensor_shape: shape(1), string_val: [new TextEncoder().encode('hi')] },
      spec('DT_STRING'),
      'x',
      0,
    )
    expect(new TextDecoder().decode((s.data as Uint8Array[])[0])).toBe('hi')
    const h = decodeTensorProto(
      { dtype: 19, tensor_shape: shape(2), half_val: [0x3c00, 0xc000] },
      spec('DT_HALF'),
      'x',
      0,
    )
    expect(Array.from(h.data as Float32Array)).toEqual([1, -2])
  })
  test('errors: wrong dtype, content of the wrong size, more values than the shape', () => {
    expect(() =>
      decodeTensorProto(
        { dtype: 3, tensor_shape: shape(1), int_val: [1] },
        spec('DT_FLOAT'),
        'x',
        2,
      ),
    ).toThrow('Expects arg[2] to be float but int32 is provided')
    expect(() =>
      decodeTensorProto(
        { dtype: 1, tensor_shape: shape(2), tensor_content: new Uint8Array(4) },
        spec('DT_FLOAT'),
        'x',
        0,
      ),
    ).toThrow('tensor parsing error: x')
    expect(() =>
      decodeTensorProto(
        { dtype: 1, tensor_shape: shape(1), float_val: [1, 2] },
        spec('DT_FLOAT'),
        'x',
        0,
      ),
    ).toThrow('tensor parsing error: x')
  })
})

describe('encode', () => {
  const t = { dtype: 'float32' as const, shape: [2], data: Float32Array.from([0.5, 7.9]) }
  test('typed fields by default (AsProtoField), tensor_content when asked', () => {
    expect(encodeTensorProto(t, 'DT_FLOAT', false)).toEqual({
      dtype: 1,
      tensor_shape: { dim: [{ size: 2 }] },
      float_val: t.data,
    })
    const c = encodeTensorProto(t, 'DT_FLOAT', true)
    expect(
      Array.from(new Float32Array(Uint8Array.from(c.tensor_content as Uint8Array).buffer)),
    ).toEqual([0.5, Math.fround(7.9)])
  })
  // --enable_serialization_as_tensor_content for every other dtype: the bytes DataView writes
  // (little-endian), from the wire tensor the worker answers with.
  type Write = (v: DataView, o: number, x: number) => void
  test.each([
    ['DT_DOUBLE', 'float32', [0.5, -2], 8, (v, o, x) => v.setFloat64(o, x, true)],
    ['DT_INT32', 'float32', [0.5, -7.9], 4, (v, o, x) => v.setInt32(o, Math.trunc(x), true)],
    ['DT_INT32', 'int32', [-3, 7], 4, (v, o, x) => v.setInt32(o, x, true)],
    ['DT_UINT32', 'int32', [3, 7], 4, (v, o, x) => v.setUint32(o, x, true)],
    ['DT_INT16', 'int32', [-3, 300], 2, (v, o, x) => v.setInt16(o, x, true)],
    ['DT_UINT16', 'int32', [3, 60000], 2, (v, o, x) => v.setUint16(o, x, true)],
    ['DT_INT8', 'int32', [-3, 7], 1, (v, o, x) => v.setInt8(o, x)],
    ['DT_UINT8', 'int32', [3, 255], 1, (v, o, x) => v.setUint8(o, x)],
    ['DT_INT64', 'int32', [-5, 7], 8, (v, o, x) => v.setBigInt64(o, BigInt(x), true)],
    ['DT_UINT64', 'int32', [5, 7], 8, (v, o, x) => v.setBigUint64(o, BigInt(x), true)],
    ['DT_BOOL', 'bool', [1, 0], 1, (v, o, x) => v.setUint8(o, x)],
    ['DT_HALF', 'float32', [1.5, -2], 2, (v, o, x) => v.setUint16(o, floatToHalf(x), true)],
    ['DT_BFLOAT16', 'float32', [1.5, -2], 2, (v, o, x) => v.setUint16(o, floatToBfloat16(x), true)],
  ] as [TensorSpec['dtype'], 'float32' | 'int32' | 'bool', number[], number, Write][])(
    '%s tensor_content from %s',
    (dtype, wire, values, size, write) => {
      const data =
        wire === 'float32'
          ? Float32Array.from(values)
          : wire === 'int32'
            ? Int32Array.from(values)
            : Uint8Array.from(values)
      const expected = new Uint8Array(values.length * size)
      for (const [i, x] of values.entries()) write(new DataView(expected.buffer), i * size, x)
      const out = encodeTensorProto({ dtype: wire, shape: [values.length], data }, dtype, true)
      expect(Array.from(out.tensor_content as Uint8Array)).toEqual(Array.from(expected))
    },
  )
  test('a float output declared as int32 is truncated; half and bfloat16 as 16 bits', () => {
    expect(Array.from(encodeTensorProto(t, 'DT_INT32', false).int_val as number[])).toEqual([0, 7])
    expect(encodeTensorProto(t, 'DT_HALF', false).half_val).toEqual([0x3800, 0x47e6])
    expect(encodeTensorProto(t, 'DT_BFLOAT16', false).half_val).toEqual([0x3f00, 0x40fd])
  })
})

test('half and bfloat16 round trips', () => {
  for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24])
    expect(halfToFloat(floatToHalf(v))).toBe(v)
  expect(floatToHalf(1 / 3)).toBe(0x3555)
  expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY)
  for (const v of [0, 1, -2, 0.5, 3.140625]) expect(bfloat16ToFloat(floatToBfloat16(v))).toBe(v)
  expect(floatToBfloat16(1 + 2 ** -8)).toBe(0x3f80) // ties to even
})
