import { beforeAll, describe, expect, test } from 'bun:test'
import { PermanentJobError } from '@tweetbot/common/queue'
import { animatedGif, convert, makePhoto, pixelBombPng } from '@tweetbot/testing/images'
import sharp from 'sharp'
import { MediaRejectedError } from '../src/errors.ts'
import { createPreprocessor, preprocessImage } from '../src/media/preprocess.ts'
import type { ModelInput } from '../src/model/parse-metadata.ts'

/** A square RGBA PNG of one colour (interlaced when `interlaced`). */
const rgbaPng = (
  side: number,
  background: { r: number; g: number; b: number; alpha: number },
  interlaced = false,
) =>
  sharp({ create: { width: side, height: side, channels: 4, background } })
    .png({ progressive: interlaced, compressionLevel: 9 })
    .toBuffer()

const input: ModelInput = {
  height: 224,
  width: 224,
  channels: 3,
  dtype: 'DT_FLOAT',
  signature: 'serving_default',
}
const opts = { maxPixels: 25_000_000, maxDimension: 4096, maxDecodeBytes: 128 * 2 ** 20 }
let photo: Uint8Array

beforeAll(async () => {
  photo = await makePhoto(1)
})

describe('preprocessImage', () => {
  test('JPEG, PNG, WebP and GIF become height × width × 3 bytes of the same picture', async () => {
    const outputs = []
    for (const bytes of [
      photo,
      await convert(photo, 'png'),
      await convert(photo, 'webp'),
      await convert(photo, 'gif'),
    ]) {
      const px = await preprocessImage(bytes, input, opts)
      expect(px.length).toBe(224 * 224 * 3)
      outputs.push(px)
    }
    // Same picture in every format: mean absolute difference to the JPEG stays small.
    for (const px of outputs.slice(1)) {
      let diff = 0
      for (let i = 0; i < px.length; i++) diff += Math.abs(px[i]! - outputs[0]![i]!)
      expect(diff / px.length).toBeLessThan(20)
    }
  })

  test('animated GIF: the first frame is used', async () => {
    const px = await preprocessImage(await animatedGif(), { ...input, height: 4, width: 4 }, opts)
    expect(px[0]).toBeGreaterThan(200) // red
    expect(px[2]).toBeLessThan(50) // not blue
  })

  test('alpha is dropped and greyscale models get one channel', async () => {
    const rgba = await rgbaPng(10, { r: 10, g: 20, b: 30, alpha: 0.5 })
    expect((await preprocessImage(rgba, { ...input, height: 2, width: 2 }, opts)).length).toBe(12)
    expect((await preprocessImage(photo, { ...input, channels: 1 }, opts)).length).toBe(224 * 224)
  })

  test('a pixel bomb is refused before decoding', async () => {
    const bomb = pixelBombPng()
    expect(bomb.length).toBeLessThan(200_000)
    const err = await preprocessImage(bomb, input, opts).catch((e) => e)
    expect(err).toBeInstanceOf(MediaRejectedError)
    expect(err.message).toMatch(/pixel bomb/)
  })

  test('non-images and SVG are refused', async () => {
    const text = new TextEncoder().encode('<html>not an image</html>')
    await expect(preprocessImage(text, input, opts)).rejects.toThrow(/not a readable image/)
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    )
    await expect(preprocessImage(svg, input, opts)).rejects.toThrow(/not supported|not a readable/)
  })

  describe('decode memory is bounded by bytes (issue 15)', () => {
    let bomb: Uint8Array
    beforeAll(async () => {
      // A real 5000×5000 RGB PNG with 16 bits per sample, Adam7-interlaced: 25 Mpx (inside
      // MEDIA_MAX_PIXELS), a few hundred KB, ~170 MB once decoded (bench/decode-memory.ts).
      const buf = await sharp({
        create: { width: 5000, height: 5000, channels: 3, background: { r: 10, g: 200, b: 30 } },
      })
        .toColourspace('rgb16')
        .png({ progressive: true, compressionLevel: 9 })
        .toBuffer()
      bomb = new Uint8Array(buf)
    }, 30_000)

    test('the 5000×5000 16-bit interlaced PNG is refused as permanent, by its sides or its bytes', async () => {
      expect(bomb.length).toBeLessThan(1_000_000)
      const header = await sharp(bomb).metadata()
      expect(header).toMatchObject({
        width: 5000,
        height: 5000,
        depth: 'ushort',
        isProgressive: true,
      })
      const bySide = await preprocessImage(bomb, input, opts).catch((e) => e)
      expect(bySide).toBeInstanceOf(MediaRejectedError)
      expect(bySide.message).toBe(
        'media rejected: not decoded: 5000×5000 px is larger than 4096 px a side',
      )
      expect(bySide).toBeInstanceOf(PermanentJobError) // buried at once, with this message
      const byBytes = await preprocessImage(bomb, input, { ...opts, maxDimension: 8192 }).catch(
        (e) => e,
      )
      expect(byBytes).toBeInstanceOf(MediaRejectedError)
      expect(byBytes.message).toMatch(
        /needs about 215 MiB to decode, more than the 128 MiB allowed/,
      )
      expect(byBytes).toBeInstanceOf(PermanentJobError)
    })

    test('only the header is read: the same file cut after 1 KB gets the same refusal', async () => {
      const head = bomb.subarray(0, 1024)
      const err = await preprocessImage(head, input, { ...opts, maxDimension: 8192 }).catch(
        (e) => e,
      )
      expect(err.message).toMatch(/needs about 215 MiB to decode/)
      // Were it decoded, the cut file would fail differently.
      await expect(sharp(head).raw().toBuffer()).rejects.toThrow()
    })

    test('an X-sized photo (4096² RGBA, interlaced) is still decoded with the defaults', async () => {
      const big = await rgbaPng(4096, { r: 1, g: 2, b: 3, alpha: 1 }, true)
      const px = await preprocessImage(new Uint8Array(big), { ...input, height: 2, width: 2 }, opts)
      expect([...px.slice(0, 3)]).toEqual([1, 2, 3])
    }, 30_000)

    test('createPreprocessor runs at most `concurrency` decodes at once, the rest wait', async () => {
      const pre = createPreprocessor({ ...opts, concurrency: 2 })
      const runs = Array.from({ length: 6 }, () => pre.preprocess(photo, input))
      expect({ active: pre.active, waiting: pre.waiting }).toEqual({ active: 2, waiting: 4 })
      const out = await Promise.all(runs)
      expect(out.every((px) => px.length === 224 * 224 * 3)).toBe(true)
      expect({ active: pre.active, waiting: pre.waiting }).toEqual({ active: 0, waiting: 0 })
      // A refused image frees its slot too.
      await expect(pre.preprocess(bomb, input)).rejects.toBeInstanceOf(MediaRejectedError)
      expect(pre.active).toBe(0)
    })
  })
})
