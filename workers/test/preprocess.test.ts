import { beforeAll, describe, expect, test } from 'bun:test'
import { animatedGif, convert, makePhoto, pixelBombPng } from '@tweetbot/testing/images'
import sharp from 'sharp'
import { MediaRejectedError } from '../src/errors.ts'
import { preprocessImage } from '../src/media/preprocess.ts'
import type { ModelInput } from '../src/model/parse-metadata.ts'

const input: ModelInput = {
  height: 224,
  width: 224,
  channels: 3,
  dtype: 'DT_FLOAT',
  signature: 'serving_default',
}
const opts = { maxPixels: 25_000_000 }
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
    const rgba = await sharp({
      create: {
        width: 10,
        height: 10,
        channels: 4,
        background: { r: 10, g: 20, b: 30, alpha: 0.5 },
      },
    })
      .png()
      .toBuffer()
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
})
