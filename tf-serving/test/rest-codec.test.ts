// The pure JSON ⇄ tensor rules, checked against the cases TF Serving's json_tensor_test.cc uses.
import { describe, expect, test } from 'bun:test'
import type { WireTensor } from '../src/inference/protocol.ts'
import type { TensorSpec } from '../src/loaders/types.ts'
import { decodePredictRequest } from '../src/rest/decode-predict.ts'
import { encodePredictResponse } from '../src/rest/encode-predict.ts'
import { ServingError } from '../src/rest/errors.ts'
import { decodeExamplesRequest, examplesToInputs } from '../src/rest/examples.ts'
import {
  isDoubleEntry,
  numberKind,
  parseJsonBody,
  parseJsonBodyExact,
  parseJsonBodyExactIfDifferent,
} from '../src/rest/json-parse.ts'
import { formatFloat32, formatFloat64, formatG } from '../src/rest/json-write.ts'

const f32 = (v: number) => formatFloat32(Math.fround(v))

describe('float printing', () => {
  test('shortest %g that reads back, .0 on whole numbers, exponents as printf', () => {
    expect(f32(0.2)).toBe('0.2')
    expect(f32(1)).toBe('1.0')
    expect(f32(-0)).toBe('-0.0')
    expect(f32(9000000)).toBe('9e+06')
    expect(f32(0.00003)).toBe('3e-05')
    expect(f32(123.456)).toBe('123.456')
    expect(f32(1.0000001)).toBe('1.00000012')
    expect(f32(1435774380)).toBe('1.43577434e+09')
    expect(formatFloat64(0.1 + 0.2)).toBe('0.30000000000000004')
    expect(formatFloat64(2)).toBe('2.0')
    expect(formatG(1e-5, 6)).toBe('1e-05')
    expect(formatG(123456789, 6)).toBe('1.23457e+08')
  })
  test('non-finite values are bare tokens', () => {
    expect(f32(Number.NaN)).toBe('NaN')
    expect(f32(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(f32(Number.NEGATIVE_INFINITY)).toBe('-Infinity')
  })
})

describe('lenient JSON', () => {
  test('NaN, Infinity and -Infinity tokens parse', () => {
    const v = parseJsonBody('{"x": [NaN, Infinity, -Infinity, 1.5]}') as { x: number[] }
    expect(v.x[0]).toBeNaN()
    expect(v.x.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5])
  })
  test('errors name the problem and offset like rapidjson', () => {
    // An empty body is refused before rapidjson (json_tensor.cc:474-476): no period, no offset.
    expect(() => parseJsonBody('')).toThrow(/^JSON Parse error: The document is empty$/)
    expect(() => parseJsonBody('  ')).toThrow(
      'JSON Parse error: The document is empty. at offset: 2',
    )
    expect(() => parseJsonBody(' \n')).toThrow(
      'JSON Parse error: The document is empty. at offset: 2',
    )
    expect(() => parseJsonBody('{"a" 1}')).toThrow(
      'JSON Parse error: Missing a colon after a name of object member. at offset: 5',
    )
    // rapidjson's ParseNull takes the 'n' and fails at the first letter that is not "ull".
    expect(() => parseJsonBody('[nan]')).toThrow('JSON Parse error: Invalid value. at offset: 2')
  })
  test('the exact parse keeps how numbers were written, and members as rapidjson does', () => {
    const v = parseJsonBodyExact(
      '{"__proto__": [1.0, 1, 2e0, 9007199254740993], "a": 1, "a": 2.0, "toString": 3}',
    ) as Record<string, unknown>
    // "__proto__" is an own member, not a prototype; the first of a repeated name wins.
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['__proto__', 'a', 'toString'])
    expect(v.a).toBe(1)
    expect(v.toString as unknown).toBe(3)
    const list = Object.getOwnPropertyDescriptor(v, '__proto__')?.value as number[]
    expect(list.map((_, i) => isDoubleEntry(list, i))).toEqual([true, false, true, false])
    expect(numberKind(list, 3)).toBe('int64')
    // Both read as the double 2^63; the tokens as written put them either side of int64's end.
    const edge = parseJsonBodyExact('[9223372036854775807, 9223372036854775808]') as number[]
    expect([numberKind(edge, 0), numberKind(edge, 1)]).toEqual(['int64', 'uint64'])
    expect(isDoubleEntry(v, 'a')).toBe(false)
    // Only bodies that may hold an integral double take the slow parse.
    expect(parseJsonBodyExactIfDifferent('{"x": [1, 2.5]}')).toBe(undefined)
    expect(isDoubleEntry(parseJsonBodyExactIfDifferent('[3.0]') as number[], 0)).toBe(true)
  })
})

const spec = (dtype: TensorSpec['dtype'], shape: number[] | null = null): TensorSpec => ({
  name: 't',
  dtype,
  shape,
})

describe('decoding requests', () => {
  const one = (s: TensorSpec) => () => ({ x: s })
  test('row format stacks instances on a new dimension 0', () => {
    const d = decodePredictRequest(
      {
        instances: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
      one(spec('DT_FLOAT')),
    )
    expect(d.format).toBe('row')
    expect(d.inputs.x?.shape).toEqual([3, 2])
    expect(Array.from(d.inputs.x?.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6])
  })
  test('columnar scalar and list keep their own shape', () => {
    expect(decodePredictRequest({ inputs: 7 }, one(spec('DT_INT32'))).inputs.x?.shape).toEqual([])
    const d = decodePredictRequest({ inputs: [[true, false]] }, one(spec('DT_BOOL')))
    expect(d.inputs.x?.shape).toEqual([1, 2])
    expect(Array.from(d.inputs.x?.data as Uint8Array)).toEqual([1, 0])
  })
  test('b64 objects become bytes for DT_STRING; plain strings are UTF-8', () => {
    const d = decodePredictRequest(
      { instances: [{ b64: Buffer.from('héllo').toString('base64') }, 'abc'] },
      one(spec('DT_STRING')),
    )
    const data = d.inputs.x?.data as Uint8Array[]
    expect(new TextDecoder().decode(data[0])).toBe('héllo')
    expect(new TextDecoder().decode(data[1])).toBe('abc')
  })
  test('type, level and size errors use TF Serving wording', () => {
    const err = (body: unknown, s: TensorSpec) => {
      try {
        decodePredictRequest(body, one(s))
      } catch (e) {
        expect(e).toBeInstanceOf(ServingError)
        return (e as ServingError).message
      }
      throw new Error('expected an error')
    }
    expect(err({ inputs: [1.5] }, spec('DT_INT32'))).toBe(
      'JSON Value: 1.5 Type: Number is not of expected type: int32',
    )
    expect(err({ inputs: [[1, 2], [3]] }, spec('DT_FLOAT'))).toBe(
      'Encountered list at unexpected size: 1 at level: 1 expected size: 2',
    )
    expect(err({ inputs: [[1, 2], 3] }, spec('DT_FLOAT'))).toBe(
      'JSON Value: 3 found at incorrect level: 2 in the JSON DOM. Expected at level: 2',
    )
    expect(err({ inputs: [{ b64: '***' }] }, spec('DT_STRING'))).toBe('Unable to base64 decode')
    expect(err({ inputs: [{ b64: 'aGk=' }] }, spec('DT_FLOAT'))).toBe(
      'JSON Value: {\n    "b64": "aGk="\n} Type: Object is not of expected type: float',
    )
    expect(err({ instances: [] }, spec('DT_FLOAT'))).toBe(
      `JSON Value: {\n    "instances": []\n} No values in 'instances' array`,
    )
    expect(err([1], spec('DT_FLOAT'))).toBe('JSON Value: [1] Is not object')
    expect(err({ signature_name: 3, inputs: [1] }, spec('DT_FLOAT'))).toContain(
      "'signature_name' key must be a string value.",
    )
  })
})

describe('encoding responses', () => {
  const t = (shape: number[], values: number[]) => ({
    dtype: 'float32' as const,
    shape,
    data: Float32Array.from(values),
  })
  const floatSpec = { a: spec('DT_FLOAT'), b: spec('DT_FLOAT') }
  test('row: one output → bare values; several → objects per item', () => {
    expect(encodePredictResponse({ a: t([2, 2], [1, 2, 3, 4]) }, floatSpec, 'row')).toBe(
      '{\n    "predictions": [[1.0, 2.0], [3.0, 4.0]\n    ]\n}',
    )
    expect(
      encodePredictResponse({ b: t([2], [0.5, 0.25]), a: t([2, 1], [1, 2]) }, floatSpec, 'row'),
    ).toBe(
      '{\n    "predictions": [\n        {\n            "a": [1.0],\n            "b": 0.5\n        },\n        {\n            "a": [2.0],\n            "b": 0.25\n        }\n    ]\n}',
    )
  })
  test('columnar: one output → tensor; several → object', () => {
    // Columnar arrays are not single-line: one element per line (json_tensor.cc:1028-1048).
    expect(encodePredictResponse({ a: t([], [3]) }, floatSpec, 'columnar')).toBe(
      '{\n    "outputs": 3.0\n}',
    )
    expect(
      encodePredictResponse({ a: t([1], [1]), b: t([2], [2, 3]) }, floatSpec, 'columnar'),
    ).toBe(
      '{\n    "outputs": {\n        "a": [\n            1.0\n        ],\n        "b": [\n            2.0,\n            3.0\n        ]\n    }\n}',
    )
  })
  test('row format needs a batch dimension that agrees across outputs', () => {
    expect(() => encodePredictResponse({ a: t([], [1]) }, floatSpec, 'row')).toThrow(
      'Tensor name: a has no shape information ',
    )
    expect(() =>
      encodePredictResponse({ a: t([1], [1]), b: t([2], [1, 2]) }, floatSpec, 'row'),
    ).toThrow('Tensor name: b has inconsistent batch size: 2 expecting: 1')
  })
  test('string outputs: text, or b64 objects when the alias ends in _bytes', () => {
    const bytes = { dtype: 'string' as const, shape: [1], data: [new TextEncoder().encode('hi')] }
    const specs = { s: spec('DT_STRING'), s_bytes: spec('DT_STRING') }
    expect(encodePredictResponse({ s: bytes }, specs, 'columnar')).toBe(
      '{\n    "outputs": [\n        "hi"\n    ]\n}',
    )
    expect(encodePredictResponse({ s_bytes: bytes }, specs, 'row')).toBe(
      '{\n    "predictions": [{\n            "b64": "aGk="\n        }\n    ]\n}',
    )
  })
})

describe('classify/regress examples', () => {
  test('a feature of a million values becomes one input (not spread as call arguments)', () => {
    // Spreading a list this long into push() throws "Maximum call stack size exceeded" (a 500).
    const decoded = decodeExamplesRequest({ examples: [{ x: new Array(1_000_000).fill(0.5) }] })
    const out = examplesToInputs(decoded, { x: spec('DT_FLOAT') })
    const x = out.x as WireTensor
    expect(x.shape).toEqual([1, 1_000_000])
    expect((x.data as Float32Array)[999_999]).toBe(0.5)
  })
})
