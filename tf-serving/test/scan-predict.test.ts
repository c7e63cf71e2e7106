// The byte scanner for numeric predict bodies must give exactly what the general path
// (parseJsonBody + decodePredictRequest) gives, and must step aside for everything else so the
// general path can answer (and word the error) as before.
import { beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { TensorSpec } from '../src/loaders/types.ts'
import { decodePredictRequest, decodeScannedPredict } from '../src/rest/decode-predict.ts'
import { ServingError } from '../src/rest/errors.ts'
import { parseJsonBody } from '../src/rest/json-parse.ts'
import { scanNumericArrayWasm } from '../src/rest/scan-numbers-wasm.ts'
import { scanPredictBody } from '../src/rest/scan-predict.ts'

const spec = (dtype: TensorSpec['dtype']): TensorSpec => ({ name: 'x:0', dtype, shape: [] })
const specs =
  (dtype: TensorSpec['dtype'] = 'DT_FLOAT') =>
  () => ({ x: spec(dtype) })
const bytes = (text: string) => new TextEncoder().encode(text)

const general = (text: string, dtype: TensorSpec['dtype'] = 'DT_FLOAT') => {
  try {
    const d = decodePredictRequest(parseJsonBody(text), specs(dtype))
    const x = d.inputs.x
    return { format: d.format, sig: d.signatureName, shape: x?.shape, data: x?.data }
  } catch (e) {
    if (!(e instanceof ServingError)) throw e
    return { error: e.message }
  }
}

// Each suite below runs twice: numbers read by the wasm scanner (the JS one where it steps
// aside), and by the JS scanner alone.
let useWasm = true
const scan = (text: string) => scanPredictBody(bytes(text), { useWasm })

const fast = (text: string, dtype: TensorSpec['dtype'] = 'DT_FLOAT') => {
  const scanned = scan(text)
  if (!scanned) return undefined
  const d = decodeScannedPredict(scanned, specs(dtype))
  if (!d) return undefined
  const x = d.inputs.x
  return { format: d.format, sig: d.signatureName, shape: x?.shape, data: x?.data }
}

/** The scanner took the body, and its tensor is bit-for-bit the general path's. */
const expectSame = (text: string) => {
  const f = fast(text)
  expect(f).toBeDefined()
  const g = general(text)
  expect(g.error).toBeUndefined()
  expect(f?.format).toBe(g.format as 'row' | 'columnar')
  expect(f?.sig).toBe(g.sig as string)
  expect(f?.shape).toEqual(g.shape as number[])
  expect(f?.data).toBeInstanceOf(Float32Array)
  const view = (a: unknown) => {
    const t = a as Float32Array
    return Buffer.from(t.buffer, t.byteOffset, t.byteLength)
  }
  expect(view(f?.data).equals(view(g.data))).toBe(true)
}

/** The scanner steps aside; the general path's answer (value or error) is the answer. */
const expectFallback = (text: string, dtype: TensorSpec['dtype'] = 'DT_FLOAT') => {
  expect(fast(text, dtype)).toBeUndefined()
}

// A deterministic generator, so a failure reproduces.
let seed = 12345
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T

const randomNumberText = (): string => {
  const sign = rand() < 0.3 ? '-' : ''
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('')
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${sign}${Math.floor(rand() * 1000)}`
    case 1:
      return `${sign}0.${digits(1 + Math.floor(rand() * 25))}`
    case 2:
      return `${sign}${1 + Math.floor(rand() * 9)}${digits(Math.floor(rand() * 30))}`
    case 3:
      return `${sign}${1 + Math.floor(rand() * 9)}.${digits(1 + Math.floor(rand() * 20))}${pick(['e', 'E'])}${pick(['', '+', '-'])}${Math.floor(rand() * 50)}`
    case 4:
      return `${sign}0${pick(['', '.0', '.000'])}`
    case 5:
      return String(Math.fround(rand() * 2 - 1))
    case 6:
      return String((rand() - 0.5) * 10 ** Math.floor(rand() * 80 - 40))
    default:
      return String(Math.floor(rand() * 256) / 255)
  }
}

const ws = () => pick(['', '', ' ', '\n', '\t', '\r\n  '])

/** A dense nested array of the given shape as JSON text with random spacing. */
const nestedText = (shape: number[], leaf: () => string): string => {
  if (shape.length === 0) return leaf()
  const [n, ...rest] = shape
  const items = Array.from({ length: n as number }, () => `${ws()}${nestedText(rest, leaf)}${ws()}`)
  return `[${items.join(',')}]`
}

for (const wasm of [true, false])
  describe(`scanPredictBody, ${wasm ? 'wasm' : 'JS'} number scanner`, () => {
    beforeAll(() => {
      useWasm = wasm
    })

    test('random numeric bodies: the same tensor as JSON.parse + decode, bit for bit', () => {
      for (let round = 0; round < 300; round++) {
        const rank = 1 + Math.floor(rand() * 4)
        const shape = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 4))
        const value = nestedText(shape, randomNumberText)
        const key = pick(['instances', 'inputs'])
        const sig = rand() < 0.3 ? `"signature_name":${ws()}"serving_default"${ws()},` : ''
        const body =
          rand() < 0.5
            ? `${ws()}{${ws()}${sig}"${key}"${ws()}:${value}${ws()}}${ws()}`
            : `{"${key}":${value},${ws()}"signature_name":"s"}`
        expectSame(body)
      }
    })

    test('values next to a float32 rounding boundary round as JSON.parse + Float32Array do', () => {
      const texts: string[] = []
      const f32 = new Float32Array(2)
      const u32 = new Uint32Array(f32.buffer)
      for (let n = 0; n < 2000; n++) {
        f32[0] = (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6)
        u32[1] = (u32[0] as number) + 1
        // The midpoint between two adjacent float32s is exact in double; print it and its
        // neighbourhood with 16–21 significant digits.
        const mid = ((f32[0] as number) + (f32[1] as number)) / 2
        for (const p of [16, 17, 18, 21]) texts.push(mid.toPrecision(p))
        texts.push(String(mid), String(mid + mid * 2 ** -52), String(mid - mid * 2 ** -52))
      }
      expectSame(`{"inputs":[${texts.join(',')}]}`)
    })

    test('integers, negative zero, exponents, whitespace', () => {
      const body =
        '{ "instances" : [ [ 0 , -0 , -0.0 , 1 , -17 , 1e3 , 1E-3 , 2.5e+2 , 123456789012 ] ] }'
      expectSame(body)
      const d = fast(body)?.data as Float32Array
      expect(Object.is(d[1], -0)).toBe(true)
      expect(Object.is(d[2], -0)).toBe(true)
      expect(Array.from(d.subarray(5, 8))).toEqual([1000, Math.fround(0.001), 250])
      expectSame('{"inputs":[1e400,-1e400,1e-400,3.4028235677973366e38]}')
    })

    test('row and columnar formats, signature name, image-sized body', () => {
      expect(fast('{"instances":[[1,2],[3,4]]}')).toMatchObject({ format: 'row', shape: [2, 2] })
      expect(fast('{"inputs":[[1,2],[3,4]]}')).toMatchObject({ format: 'columnar', shape: [2, 2] })
      expect(fast('{"signature_name":"sig","inputs":[1]}')?.sig).toBe('sig')
      const img = Array.from({ length: 2 }, () => nestedText([16, 16, 3], randomNumberText))
      expectSame(JSON.stringify({ instances: img.map((t) => JSON.parse(t)) }))
    })

    test('anything else is left to the general path', () => {
      for (const body of [
        '', // empty
        '[1,2]', // not an object
        '{}',
        '{"instances":[]}', // empty list
        '{"instances":[[]]}',
        '{"instances":[[1,2],[3]]}', // ragged
        '{"instances":[[1,2],3]}', // number at the wrong level
        '{"instances":[1,[2]]}', // list at the wrong level
        '{"instances":[NaN]}',
        '{"instances":[Infinity]}',
        '{"instances":[-Infinity]}',
        '{"instances":[1,"a"]}',
        '{"instances":[true]}',
        '{"instances":[null]}',
        '{"instances":[{"b64":"aGk="}]}',
        '{"instances":[{"x":[1]}]}',
        '{"instances":7}',
        '{"inputs":{"x":[1]}}',
        '{"instances":[01]}', // invalid numbers
        '{"instances":[1.]}',
        '{"instances":[.5]}',
        '{"instances":[+1]}',
        '{"instances":[1e]}',
        '{"instances":[-]}',
        '{"instances":[1,]}',
        '{"instances":[1 2]}',
        '{"instances":[1]', // unterminated
        '{"instances":[1]} x', // trailing bytes
        '{"instances":[1],}',
        '{"instances":[1],"instances":[2]}', // duplicate key
        '{"instances":[1],"inputs":[2]}',
        '{"instances":[1],"extra":1}',
        '{"signature_name":"a\\u0062","instances":[1]}', // escapes
        '{"signature_name":7,"instances":[1]}',
        '{"signature_name":"s"}',
        '\uFEFF{"instances":[1]}', // BOM
        `{"instances":[1${'0'.repeat(500)}]}`, // a number too long to convert here
      ])
        expect(scan(body)).toBeUndefined()
    })

    test('signatures the scanned tensor does not fit go to the general path', () => {
      expectFallback('{"instances":[1,2]}', 'DT_INT32')
      expectFallback('{"instances":[1,2]}', 'DT_STRING')
      const scanned = scan('{"instances":[1,2]}')
      expect(scanned).toBeDefined()
      const two = () => ({ a: spec('DT_FLOAT'), b: spec('DT_FLOAT') })
      expect(decodeScannedPredict(scanned as NonNullable<typeof scanned>, two)).toBeUndefined()
      // DT_DOUBLE travels as float32, as in the general path.
      const d = decodeScannedPredict(scanned as NonNullable<typeof scanned>, specs('DT_DOUBLE'))
      expect(d?.inputs.x?.dtype).toBe('float32')
    })

    test('bodies it leaves alone still get the general path errors', () => {
      expect(general('{"instances":[[1,2],[3]]}').error).toBe(
        "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 1",
      )
      expect(general('{"instances":[NaN]}').data).toBeInstanceOf(Float32Array)
    })
  })

describe('wasm number scanner', () => {
  test('reads image-like arrays itself (does not silently leave them to the JS scanner)', () => {
    const text = '[[[0.5372549019607843,1,0],[0.00392156862745098,0.25,-0]]]'
    const r = scanNumericArrayWasm(bytes(`  ${text}`), 2)
    expect(r?.shape).toEqual([1, 2, 3])
    expect(r?.end).toBe(text.length + 2)
    expect(Array.from(r?.data ?? [])).toEqual(
      [0.5372549019607843, 1, 0, 0.00392156862745098, 0.25, -0].map(Math.fround),
    )
  })

  test('steps aside where the JS scanner takes its slow path or gives up', () => {
    for (const text of ['[12345678901234567890]', '[1e23]', '[1,]', '[[1],[1,2]]', '[1e-23]'])
      expect(scanNumericArrayWasm(bytes(text), 0)).toBeUndefined()
  })

  test('the committed module is what its source compiles to', async () => {
    const out = `${tmpdir()}/scan-numbers-${process.pid}.wasm`
    const build = Bun.spawnSync(['bun', 'scripts/build-wasm.ts', '-o', out], {
      cwd: `${import.meta.dir}/..`,
      stderr: 'pipe',
    })
    expect(build.stderr.toString()).toBe('')
    expect(build.exitCode).toBe(0)
    const fresh = await Bun.file(out).bytes()
    const committed = await Bun.file(`${import.meta.dir}/../src/rest/scan-numbers.wasm`).bytes()
    rmSync(out, { force: true })
    expect(Buffer.from(fresh).equals(Buffer.from(committed))).toBe(true)
  })
})
