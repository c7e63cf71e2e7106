// CRC-32C (Castagnoli), the checksum LevelDB tables and TensorFlow tensor bundles use.
// Table-driven, reflected polynomial 0x82F63B78.

const TABLE = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[i] = c >>> 0
  }
  return t
})()

/** Extends `crc` (a finished CRC-32C, 0 for none yet) over `bytes`. */
export const crc32cExtend = (crc: number, bytes: Uint8Array): number => {
  let c = ~crc >>> 0
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

export const crc32c = (bytes: Uint8Array): number => crc32cExtend(0, bytes)

// Stored checksums are "masked" so that a CRC over data that itself holds CRCs stays strong.
const MASK_DELTA = 0xa282ead8

export const maskCrc = (crc: number): number =>
  ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0

export const unmaskCrc = (masked: number): number => {
  const rot = (masked - MASK_DELTA) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}
