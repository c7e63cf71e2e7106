// Decompressor for raw Snappy blocks (LevelDB block compression type 1), which TensorFlow's
// table writer uses for the bundle index. Format: a varint uncompressed length, then elements
// tagged by their low two bits: literal, or a back-reference copy with a 1, 2 or 4-byte offset.
// @see https://github.com/google/snappy/blob/main/format_description.txt
import { readVarint } from './varint.ts'

export const snappyUncompress = (input: Uint8Array): Uint8Array => {
  const cur = { bytes: input, pos: 0 }
  const length = readVarint(cur)
  const out = new Uint8Array(length)
  let o = 0
  let p = cur.pos
  const need = (n: number) => {
    if (p + n > input.length) throw new Error('snappy: input truncated')
  }
  while (p < input.length) {
    const tag = input[p++]!
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        need(extra)
        len = 0
        for (let i = 0; i < extra; i++) len |= input[p + i]! << (8 * i)
        len >>>= 0
        p += extra
      }
      len += 1
      need(len)
      if (o + len > length) throw new Error('snappy: output overflow')
      out.set(input.subarray(p, p + len), o)
      o += len
      p += len
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      need(1)
      len = 4 + ((tag >>> 2) & 7)
      offset = ((tag >>> 5) << 8) | input[p++]!
    } else if (kind === 2) {
      need(2)
      len = (tag >>> 2) + 1
      offset = input[p]! | (input[p + 1]! << 8)
      p += 2
    } else {
      need(4)
      len = (tag >>> 2) + 1
      offset =
        (input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16) | (input[p + 3]! << 24)) >>> 0
      p += 4
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy: bad copy')
    // Copies may overlap their own output (run-length style), so go byte by byte.
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!
  }
  if (o !== length) throw new Error(`snappy: produced ${o} bytes, expected ${length}`)
  return out
}
