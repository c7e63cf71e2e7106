import { describe, expect, test } from 'bun:test'
import { encodePredictBody } from '../src/model/encode-instances.ts'
import type { ModelInput } from '../src/model/parse-metadata.ts'

const input = (h: number, w: number, c: number, dtype = 'DT_FLOAT'): ModelInput => ({
  height: h,
  width: w,
  channels: c,
  dtype,
  signature: 'serving_default',
})
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes))

describe('encodePredictBody', () => {
  test('writes one instance shaped [h][w][c] scaled to [0,1], within 5e-5 of v/255', () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 37) % 256)
    const body = decode(encodePredictBody(pixels, input(2, 3, 3), '0,1'))
    expect(body.signature_name).toBe('serving_default')
    expect(body.instances).toHaveLength(1)
    const img = body.instances[0]
    expect(img).toHaveLength(2)
    expect(img[0]).toHaveLength(3)
    expect(img[0][0]).toHaveLength(3)
    let p = 0
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 3; c++)
          expect(Math.abs(img[y][x][c] - pixels[p++]! / 255)).toBeLessThan(5e-5)
  })

  test('every byte value stays distinct and exact at the ends', () => {
    const pixels = Uint8Array.from({ length: 256 }, (_, i) => i)
    const [img] = decode(encodePredictBody(pixels, input(1, 256, 1), '0,1')).instances
    const values = img[0].map((px: number[]) => px[0])
    expect(new Set(values).size).toBe(256)
    expect(values[0]).toBe(0)
    expect(values[255]).toBe(1)
  })

  test('[-1,1] scaling and integer dtypes', () => {
    const pixels = Uint8Array.from([0, 255, 128])
    expect(decode(encodePredictBody(pixels, input(1, 1, 3), '-1,1')).instances[0][0][0]).toEqual([
      -1, 1, 0.0039,
    ])
    expect(
      decode(encodePredictBody(pixels, input(1, 1, 3, 'DT_UINT8'), '0,1')).instances[0][0][0],
    ).toEqual([0, 255, 128])
  })

  test('a 224×224×3 body is about a third of what JSON.stringify prints', () => {
    const pixels = Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 256)
    const lean = encodePredictBody(pixels, input(224, 224, 3), '0,1').length
    const naive = JSON.stringify({ instances: [Array.from(pixels, (v) => v / 255)] }).length
    expect(lean).toBeLessThan(naive / 2)
  })

  test('refuses pixels of the wrong size', () => {
    expect(() => encodePredictBody(new Uint8Array(5), input(1, 1, 3), '0,1')).toThrow(/expected 3/)
  })
})

describe('encodePredictBody into a reused buffer', () => {
  test('writes the same bytes as a fresh encode, and reuses the buffer', () => {
    const shape = input(4, 4, 3)
    const a = Uint8Array.from({ length: 48 }, (_, i) => i * 5)
    const b = Uint8Array.from({ length: 48 }, (_, i) => 255 - i)
    const first = encodePredictBody(a, shape, '0,1')
    const reused = encodePredictBody(b, shape, '0,1', new Uint8Array(first.buffer))
    expect(reused.buffer).toBe(first.buffer)
    expect(decode(reused)).toEqual(decode(encodePredictBody(b, shape, '0,1')))
  })
})
