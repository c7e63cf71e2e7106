// CRC-32C (Castagnoli), the checksum LevelDB tables and TensorFlow tensor bundles use.
// Reflected polynomial 0x82F63B78.

// Slicing-by-8 tables: eight table lookups per 8 input bytes instead of one per byte, since
// checkpoints run to hundreds of megabytes.
const TABLES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256))
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[0]![i] = c >>> 0
  }
  for (let i = 0; i < 256; i++)
    for (let k = 1; k < 8; k++) t[k]![i] = (t[k - 1]![i]! >>> 8) ^ t[0]![t[k - 1]![i]! & 0xff]!
  return t
})()
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
]

/** Extends `crc` (a finished CRC-32C, 0 for none yet) over `bytes`. */
export const crc32cExtend = (crc: number, bytes: Uint8Array): number => {
  let c = ~crc >>> 0
  let i = 0
  const n = bytes.length
  for (; i + 8 <= n; i += 8) {
    const lo =
      (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0
    c =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[bytes[i + 4]!]! ^
      T2[bytes[i + 5]!]! ^
      T1[bytes[i + 6]!]! ^
      T0[bytes[i + 7]!]!
  }
  for (; i < n; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
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
