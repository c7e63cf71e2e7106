// What decoding an image will cost, judged from its header alone (pure: no sharp, no I/O).

/** The header fields the estimate needs (a subset of sharp's `metadata()`). */
export interface ImageHeader {
  width?: number
  height?: number
  /** Bands once decoded (3 for RGB, 4 with alpha; a palette PNG decodes to 3 or 4). */
  channels?: number
  /** libvips' sample format once decoded: uchar, ushort, float … */
  depth?: string
  /** An interlaced PNG, or a progressive JPEG. */
  isProgressive?: boolean
}

export interface DecodeLimits {
  /** Most pixels (width × height) accepted: decompression bombs. */
  maxPixels: number
  /** Longest side accepted, in pixels. */
  maxDimension: number
  /** Estimated decode memory allowed for one image, in bytes. */
  maxDecodeBytes: number
}

// Bytes per decoded sample, by libvips' format name. A Map, so a name from a file can never
// reach Object.prototype.
const SAMPLE_BYTES = new Map<string, number>([
  ['uchar', 1],
  ['char', 1],
  ['ushort', 2],
  ['short', 2],
  ['uint', 4],
  ['int', 4],
  ['float', 4],
  ['complex', 8],
  ['double', 8],
  ['dpcomplex', 16],
])

/**
 * An interlaced PNG or progressive JPEG cannot be decoded row by row: the decoder holds the whole
 * frame and its own buffers. bench/decode-memory.ts measured 1.05× (progressive JPEG) to 1.32×
 * (interlaced RGBA PNG) the frame; 1.5 leaves room. A sequential decode streams rows and needs
 * far less, but the frame is still its bound (an EXIF rotation of 90° needs the whole image).
 */
export const INTERLACED_FACTOR = 1.5

/** Bytes a decode of this image needs at most: width × height × channels × bytes per sample. */
export const estimateDecodeBytes = (h: ImageHeader): number => {
  const frame =
    (h.width ?? 0) * (h.height ?? 0) * (h.channels ?? 4) * (SAMPLE_BYTES.get(h.depth ?? '') ?? 8)
  return Math.ceil(h.isProgressive ? frame * INTERLACED_FACTOR : frame)
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`

/** Why this image must not be decoded, or undefined when it may be. */
export const decodeRefusal = (h: ImageHeader, limits: DecodeLimits): string | undefined => {
  const width = h.width ?? 0
  const height = h.height ?? 0
  if (width <= 0 || height <= 0) return 'the header gives no size'
  if (width * height > limits.maxPixels)
    return `too many pixels (pixel bomb): ${width}×${height} px, more than ${limits.maxPixels}`
  if (width > limits.maxDimension || height > limits.maxDimension)
    return `${width}×${height} px is larger than ${limits.maxDimension} px a side`
  const need = estimateDecodeBytes(h)
  if (need > limits.maxDecodeBytes) {
    const bits = 8 * (SAMPLE_BYTES.get(h.depth ?? '') ?? 8)
    const layout = h.isProgressive ? ', interlaced' : ''
    return (
      `${width}×${height} px, ${h.channels ?? '?'} channels of ${bits} bits${layout} needs about ` +
      `${mib(need)} to decode, more than the ${mib(limits.maxDecodeBytes)} allowed`
    )
  }
  return undefined
}
