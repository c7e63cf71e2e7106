import sharp, { type Metadata } from 'sharp'
import { MediaRejectedError } from '../errors.ts'
import type { ModelInput } from '../model/parse-metadata.ts'
import { createSemaphore } from '../pipeline/semaphore.ts'
import { type DecodeLimits, decodeRefusal } from './decode-budget.ts'

/** What X serves as photos; SVG and friends are refused (librsvg would parse untrusted XML). */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif'])

/** Refuse, from the header, images with more pixels, longer sides or a costlier decode. */
export type PreprocessOptions = DecodeLimits

/**
 * Decodes a photo (first frame of an animation), applies its EXIF orientation and resizes it to
 * the model's input, returning raw interleaved pixels (height × width × channels bytes).
 * Scaling to the model's range happens while encoding the request (encode-instances.ts).
 * @see https://sharp.pixelplumbing.com/api-constructor
 */
export const preprocessImage = async (
  bytes: Uint8Array,
  input: ModelInput,
  opts: PreprocessOptions,
): Promise<Uint8Array> => {
  // limitInputPixels makes sharp check width × height from the header, before decoding.
  const image = sharp(bytes, { limitInputPixels: opts.maxPixels, pages: 1, failOn: 'error' })
  let header: Metadata
  try {
    header = await image.metadata()
  } catch (err) {
    throw new MediaRejectedError(`not a readable image: ${describe(err)}`, { cause: err })
  }
  const format = header.format
  if (!format || !FORMATS.has(format))
    throw new MediaRejectedError(`image format ${format ?? 'unknown'} not supported`)
  // Memory is bounded by bytes, not only pixels: a 16-bit interlaced PNG within the pixel limit
  // still takes ~170 MB to decode (issue 15). Judged from the header, before any decoding.
  const refusal = decodeRefusal(header, opts)
  if (refusal) throw new MediaRejectedError(`not decoded: ${refusal}`)
  try {
    let pipeline = image.rotate().resize(input.width, input.height, { fit: 'fill' })
    pipeline =
      input.channels === 1 ? pipeline.grayscale() : pipeline.removeAlpha().toColourspace('srgb')
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
    if (info.channels !== input.channels)
      throw new Error(`decoded ${info.channels} channels, model wants ${input.channels}`)
    return new Uint8Array(data.buffer, data.byteOffset, data.length)
  } catch (err) {
    throw new MediaRejectedError(`cannot decode image: ${describe(err)}`, { cause: err })
  }
}

export interface Preprocessor {
  preprocess(bytes: Uint8Array, input: ModelInput): Promise<Uint8Array>
  /** Decodes running now, and waiting for a slot. */
  readonly active: number
  readonly waiting: number
}

/**
 * `preprocessImage` with at most `concurrency` decodes at once: each may take up to
 * `maxDecodeBytes`, so the worker's decode memory stays within concurrency × that.
 */
export const createPreprocessor = (
  opts: PreprocessOptions & { concurrency: number },
): Preprocessor => {
  const decodes = createSemaphore(opts.concurrency)
  return {
    preprocess: (bytes, input) => decodes.run(() => preprocessImage(bytes, input, opts)),
    get active() {
      return decodes.active
    },
    get waiting() {
      return decodes.waiting
    },
  }
}

const describe = (err: unknown) => {
  const message = (err as Error).message
  return /pixel limit/i.test(message) ? `too many pixels (pixel bomb): ${message}` : message
}
