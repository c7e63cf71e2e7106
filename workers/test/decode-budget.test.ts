import { describe, expect, test } from 'bun:test'
import {
  decodeRefusal,
  estimateDecodeBytes,
  INTERLACED_FACTOR,
} from '../src/media/decode-budget.ts'

const MiB = 2 ** 20
const limits = { maxPixels: 25_000_000, maxDimension: 4096, maxDecodeBytes: 128 * MiB }

describe('decode budget (from the header)', () => {
  test('width × height × channels × bytes per sample, more when interlaced', () => {
    const rgb8 = { width: 4096, height: 4096, channels: 3, depth: 'uchar' }
    expect(estimateDecodeBytes(rgb8)).toBe(4096 * 4096 * 3)
    expect(estimateDecodeBytes({ ...rgb8, depth: 'ushort' })).toBe(4096 * 4096 * 3 * 2)
    expect(estimateDecodeBytes({ ...rgb8, depth: 'float', channels: 4 })).toBe(4096 * 4096 * 16)
    expect(estimateDecodeBytes({ ...rgb8, isProgressive: true })).toBe(
      Math.ceil(4096 * 4096 * 3 * INTERLACED_FACTOR),
    )
  })

  test('the 5000×5000 16-bit interlaced PNG of issue 15 is refused; X-sized 8-bit photos are not', () => {
    const bomb = { width: 5000, height: 5000, channels: 3, depth: 'ushort', isProgressive: true }
    expect(decodeRefusal(bomb, limits)).toBe('5000×5000 px is larger than 4096 px a side')
    // Inside a looser side limit, the byte budget still refuses it.
    expect(decodeRefusal(bomb, { ...limits, maxDimension: 8192 })).toBe(
      '5000×5000 px, 3 channels of 16 bits, interlaced needs about 215 MiB to decode, more than the 128 MiB allowed',
    )
    for (const channels of [1, 3, 4])
      for (const isProgressive of [false, true])
        expect(
          decodeRefusal(
            { width: 4096, height: 4096, channels, depth: 'uchar', isProgressive },
            limits,
          ),
        ).toBeUndefined()
  })

  test('pixel bombs, missing sizes and unknown sample formats', () => {
    expect(decodeRefusal({ width: 20_000, height: 20_000 }, limits)).toMatch(/pixel bomb/)
    expect(decodeRefusal({ channels: 3 }, limits)).toBe('the header gives no size')
    // A format name that is also an Object.prototype key counts as unknown (8 bytes), not as
    // a function; so does no name at all.
    for (const depth of ['constructor', '__proto__', 'toString', undefined])
      expect(estimateDecodeBytes({ width: 10, height: 10, channels: 1, depth })).toBe(800)
  })
})
