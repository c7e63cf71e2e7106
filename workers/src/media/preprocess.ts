import sharp from 'sharp'
import { MediaRejectedError } from '../errors.ts'
import type { ModelInput } from '../model/parse-metadata.ts'

/** What X serves as photos; SVG and friends are refused (librsvg would parse untrusted XML). */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif'])

export interface PreprocessOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). */
  maxPixels: number
}

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
  let format: string | undefined
  try {
    format = (await image.metadata()).format
  } catch (err) {
    throw new MediaRejectedError(`not a readable image: ${describe(err)}`, { cause: err })
  }
  if (!format || !FORMATS.has(format))
    throw new MediaRejectedError(`image format ${format ?? 'unknown'} not supported`)
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

const describe = (err: unknown) => {
  const message = (err as Error).message
  return /pixel limit/i.test(message) ? `too many pixels (pixel bomb): ${message}` : message
}
