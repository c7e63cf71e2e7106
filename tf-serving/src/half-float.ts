// 16-bit floats as TensorFlow stores them (tensor_content, checkpoint bundles, and TensorProto's
// half_val, which carries the 16 bits in the low half of an int32): IEEE half for DT_HALF, the top
// half of a float32 for DT_BFLOAT16. Used by the SavedModel loader and the gRPC API alike.

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export const halfToFloat = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}

/** Round-to-nearest-even float32 → IEEE half bits. */
export const floatToHalf = (v: number): number => {
  f32[0] = v
  const x = u32[0] as number
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let frac = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    frac |= 0x800000
    const shift = 14 - e
    const half = frac >> shift
    const rest = frac & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0))
  }
  let half = (e << 10) | (frac >> 13)
  const rest = frac & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++
  return sign | half
}

export const bfloat16ToFloat = (b: number): number => {
  u32[0] = (b & 0xffff) << 16
  return f32[0] as number
}

/** Round-to-nearest-even float32 → bfloat16 bits. */
export const floatToBfloat16 = (v: number): number => {
  f32[0] = v
  const x = u32[0] as number
  if (Number.isNaN(v)) return (x >>> 16) | 0x40
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff
}
