import type { FakeXMedia } from '@tweetbot/testing/fake-x-api'
import sharp from 'sharp'
import { CONTENT_TYPE, MEDIA_IMAGES, type MediaImage } from './media-catalog.ts'

/** Small deterministic PRNG (mulberry32), so each image is the same on every run. */
const rng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hsl = (h: number, s: number, l: number) =>
  `hsl(${Math.round(h)},${Math.round(s)}%,${Math.round(l)}%)`

/**
 * An outdoor-looking scene as SVG: sky gradient, sun, layered hills, scattered shapes. Photos
 * compress like this (smooth gradients plus detail), unlike flat test patterns, so decode and
 * resize costs in workers are close to real ones.
 */
const sceneSvg = (img: MediaImage) => {
  const r = rng(img.seed)
  const { width: w, height: h } = img
  const hue = r() * 360
  const hills = Array.from({ length: 4 }, (_, i) => {
    const y = h * (0.45 + i * 0.13)
    const pts = Array.from({ length: 9 }, (_, k) => `${(w * k) / 8},${y - r() * h * 0.12}`)
    return `<polygon points="0,${h} ${pts.join(' ')} ${w},${h}" fill="${hsl(hue + 90 + i * 12, 35 + r() * 30, 45 - i * 8)}"/>`
  })
  const blobs = Array.from({ length: 40 }, () => {
    const cx = r() * w
    const cy = h * 0.5 + r() * h * 0.5
    return `<ellipse cx="${cx}" cy="${cy}" rx="${5 + r() * w * 0.04}" ry="${5 + r() * h * 0.03}" fill="${hsl(hue + r() * 120, 30 + r() * 50, 20 + r() * 50)}" opacity="${0.4 + r() * 0.6}"/>`
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="${hsl(hue + 200, 60, 35)}"/><stop offset="1" stop-color="${hsl(hue + 30, 70, 80)}"/>
</linearGradient></defs>
<rect width="${w}" height="${h}" fill="url(#sky)"/>
<circle cx="${w * (0.2 + r() * 0.6)}" cy="${h * 0.22}" r="${Math.min(w, h) * 0.08}" fill="${hsl(45, 95, 75)}"/>
${hills.join('\n')}
${blobs.join('\n')}
</svg>`
}

/** Renders one catalogue image to JPEG or PNG bytes with sharp (film-grain noise added). */
const renderImage = async (img: MediaImage): Promise<Buffer> => {
  const base = await sharp(Buffer.from(sceneSvg(img)))
    .removeAlpha()
    .raw()
    .toBuffer()
  const r = rng(img.seed * 7919)
  // Grain: real photos never have perfectly smooth areas, and it keeps JPEG sizes realistic.
  for (let i = 0; i < base.length; i++) {
    const v = base[i]! + (r() - 0.5) * 18
    base[i] = Math.max(0, Math.min(255, v))
  }
  const pipeline = sharp(base, { raw: { width: img.width, height: img.height, channels: 3 } })
  return img.format === 'jpeg'
    ? pipeline.jpeg({ quality: 85, mozjpeg: false }).toBuffer()
    : pipeline.png({ compressionLevel: 6 }).toBuffer()
}

/** Every catalogue image by `/media/<name>`, for the media server and `startStack({ images })`. */
export const renderStackImages = async (): Promise<Record<string, FakeXMedia>> => {
  const images: Record<string, FakeXMedia> = {}
  for (const img of MEDIA_IMAGES)
    images[`/media/${img.name}`] = {
      body: new Uint8Array(await renderImage(img)),
      contentType: CONTENT_TYPE[img.format],
    }
  return images
}
