// Test images made at run time with sharp: nothing binary is committed.
import sharp from 'sharp'

/** A photo-like JPEG: smooth colour gradients plus a few shapes, different per `seed`. */
export const makePhoto = async (seed: number, width = 320, height = 240): Promise<Uint8Array> => {
  const raw = new Uint8Array(width * height * 3)
  const a = (seed * 53) % 255
  const b = (seed * 97) % 255
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const ring = Math.hypot(x - width / 2, y - height / 2) % (20 + (seed % 30)) < 6 ? 80 : 0
      raw[i] = (a + x + ring) % 256
      raw[i + 1] = (b + y * 2) % 256
      raw[i + 2] = ((x * y) / 97 + seed * 13 + ring) % 256
    }
  const buf = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer()
  return new Uint8Array(buf)
}

export const convert = async (jpeg: Uint8Array, format: 'png' | 'webp' | 'gif') =>
  new Uint8Array(await sharp(jpeg).toFormat(format).toBuffer())

/** A two-frame animated GIF: first frame red, second blue. */
export const animatedGif = async (): Promise<Uint8Array> => {
  const frame = (r: number, b: number) =>
    sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g: 0, b } } })
      .png()
      .toBuffer()
  const buf = await sharp([await frame(255, 0), await frame(0, 255)], { join: { animated: true } })
    .gif()
    .toBuffer()
  return new Uint8Array(buf)
}

const chunk = (type: string, data: Uint8Array) => {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(new TextEncoder().encode(type), 4)
  out.set(data, 8)
  view.setUint32(8 + data.length, Bun.hash.crc32(out.subarray(4, 8 + data.length)))
  return out
}

/**
 * A real decompression bomb: a valid 1-bit PNG of `side`×`side` pixels (default 20000², i.e.
 * 400 Mpx, ~1.2 GB once decoded to RGB) that is only tens of kilobytes on the wire.
 */
export const pixelBombPng = (side = 20_000): Uint8Array => {
  const ihdr = new Uint8Array(13)
  const view = new DataView(ihdr.buffer)
  view.setUint32(0, side)
  view.setUint32(4, side)
  ihdr.set([1, 0, 0, 0, 0], 8) // bit depth 1, greyscale, deflate, filter 0, no interlace
  const rowBytes = 1 + Math.ceil(side / 8)
  const idat = Bun.deflateSync(new Uint8Array(rowBytes * side), { level: 9 })
  return Bun.concatArrayBuffers(
    [
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', new Uint8Array(idat)),
      chunk('IEND', new Uint8Array(0)),
    ],
    Number.POSITIVE_INFINITY,
    true,
  )
}
