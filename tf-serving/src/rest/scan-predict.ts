// The common predict body — `{"instances": [...]}` or `{"inputs": [...]}` holding one dense
// nested array of plain JSON numbers (an image) — read straight from the request bytes into a
// Float32Array. JSON.parse would build ~150k numbers in ~50k small arrays for one 224×224×3
// image, and the text decode before it copies 3 MB; this scanner does neither.
//
// It only ever answers for bodies the general path (parseJsonBody + decodePredictRequest) would
// accept with exactly the same tensor. Anything else — other keys, escapes, NaN/Infinity,
// ragged or empty lists, objects, strings, trailing bytes, a number it cannot convert exactly —
// makes it return undefined, and the general path runs and reports errors in TF Serving's words.

import { scanNumericArrayWasm } from './scan-numbers-wasm.ts'

export interface ScannedPredict {
  /** '' when the body has no signature_name. */
  signatureName: string
  key: 'instances' | 'inputs'
  /** The full nested shape; for `instances`, dimension 0 is the number of instances. */
  shape: number[]
  /** Leaves in row-major order, each rounded to float32 as a Float32Array store would. */
  data: Float32Array
}

const MAX_RANK = 32
const ascii = new TextDecoder()
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)
// 10^0..10^22 are exact doubles, so m × 10^q or m / 10^q is one rounding away from the true value.
// With at most 25 significant digits, accumulating m in doubles adds < 12 more roundings, so the
// result is within 2^-48 (relative) of the correctly rounded double: far below float32's 2^-24.

enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  E = 69,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  LowerE = 101,
  LBrace = 123,
  RBrace = 125,
}

const isWs = (c: number) => c === Ch.Space || c === Ch.Lf || c === Ch.Cr || c === Ch.Tab

class Scanner {
  i = 0
  constructor(readonly b: Uint8Array) {}

  ws() {
    const b = this.b
    let i = this.i
    while (i < b.length && isWs(b[i] as number)) i++
    this.i = i
  }

  /** A string with no escapes and only printable ASCII (anything else: undefined). */
  string(): string | undefined {
    const b = this.b
    if (b[this.i] !== Ch.Quote) return undefined
    const start = ++this.i
    for (let i = start; i < b.length; i++) {
      const c = b[i] as number
      if (c === Ch.Quote) {
        this.i = i + 1
        return ascii.decode(b.subarray(start, i))
      }
      if (c === Ch.Backslash || c < 0x20 || c > 0x7e) return undefined
    }
    return undefined
  }

  /**
   * A dense nested array of numbers, rank ≥ 1, no empty lists. Writes float32 leaves into a
   * growing buffer and returns them with the shape.
   */
  numericArray(): { shape: number[]; data: Float32Array } | undefined {
    const b = this.b
    const n = b.length
    // Sizes at each depth: fixed by the first list closed there (the first-element chain,
    // which is what TF Serving's GetDenseTensorShape follows), then checked for every other.
    const expected = new Int32Array(MAX_RANK).fill(-1)
    const count = new Int32Array(MAX_RANK)
    let rank = -1
    let depth = 0
    let out = new Float32Array(Math.max(16, n >> 3))
    let k = 0
    let i = this.i
    if (b[i] !== Ch.LBracket) return undefined
    // At the top of the loop we are just inside a list (i at '[' being opened) or after a value.
    for (;;) {
      // Open a list.
      if (depth >= MAX_RANK || (rank >= 0 && depth >= rank)) return undefined
      count[depth] = 0
      depth++
      i++
      while (i < n && isWs(b[i] as number)) i++
      let c = b[i]
      if (c === Ch.RBracket) return undefined // an empty list: leave it to the general path
      // Values of this list, then close lists for as long as they end.
      for (;;) {
        if (c === Ch.LBracket) break // descend: reopen at the top of the outer loop
        // A number, in JSON's grammar exactly.
        if (rank < 0) rank = depth
        else if (depth !== rank) return undefined
        let neg = false
        if (c === Ch.Minus) {
          neg = true
          c = b[++i]
        }
        const start = i
        let m = 0
        let digits = 0
        let scale = 0
        if (c === Ch.Zero) c = b[++i]
        else if (c !== undefined && c > Ch.Zero && c <= Ch.Nine) {
          do {
            m = m * 10 + (c - Ch.Zero)
            digits++
            c = b[++i]
          } while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine)
        } else return undefined
        if (c === Ch.Dot) {
          c = b[++i]
          if (c === undefined || c < Ch.Zero || c > Ch.Nine) return undefined
          do {
            m = m * 10 + (c - Ch.Zero)
            if (m !== 0) digits++
            scale--
            c = b[++i]
          } while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine)
        }
        if (c === Ch.E || c === Ch.LowerE) {
          c = b[++i]
          let eneg = false
          if (c === Ch.Plus || c === Ch.Minus) {
            eneg = c === Ch.Minus
            c = b[++i]
          }
          if (c === undefined || c < Ch.Zero || c > Ch.Nine) return undefined
          let e = 0
          do {
            if (e < 100_000) e = e * 10 + (c - Ch.Zero)
            c = b[++i]
          } while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine)
          scale += eneg ? -e : e
        }
        let v = 0
        let exact = true
        if (m !== 0) {
          if (digits > 25 || scale > 22 || scale < -22) exact = false
          else {
            const x = scale < 0 ? m / (POW10[-scale] as number) : m * (POW10[scale] as number)
            // Every double within the error bound rounds to the same float32: that is the value.
            const slack = x * 2 ** -48
            const f = Math.fround(x)
            if (digits <= 15 || (Math.fround(x - slack) === f && Math.fround(x + slack) === f))
              v = f
            else exact = false
          }
        }
        if (!exact) {
          if (i - start > 400) return undefined
          v = Number(ascii.decode(b.subarray(start, i)))
        }
        if (k === out.length) {
          const bigger = new Float32Array(out.length * 2)
          bigger.set(out)
          out = bigger
        }
        out[k++] = neg ? -v : v
        count[depth - 1] = (count[depth - 1] as number) + 1
        // After a value: a comma and the next value, or the end of one or more lists.
        for (;;) {
          while (i < n && isWs(b[i] as number)) i++
          c = b[i]
          if (c === Ch.Comma) {
            i++
            while (i < n && isWs(b[i] as number)) i++
            c = b[i]
            break
          }
          if (c !== Ch.RBracket) return undefined
          i++
          depth--
          const size = count[depth] as number
          if (expected[depth] === -1) expected[depth] = size
          else if (expected[depth] !== size) return undefined
          if (depth === 0) {
            this.i = i
            const shape = Array.from(expected.subarray(0, rank))
            return { shape, data: k === out.length ? out : out.slice(0, k) }
          }
          count[depth - 1] = (count[depth - 1] as number) + 1
        }
      }
    }
  }
}

/**
 * The scanned body, or undefined when the general JSON path must decide. The numbers are read
 * by the wasm scanner (scan-numbers-wasm.ts) where it can, else by the JS one below; `useWasm:
 * false` forces the JS one (tests compare both).
 */
export const scanPredictBody = (
  bytes: Uint8Array,
  { useWasm = true } = {},
): ScannedPredict | undefined => {
  const s = new Scanner(bytes)
  let signatureName: string | undefined
  let found: Omit<ScannedPredict, 'signatureName'> | undefined
  s.ws()
  if (bytes[s.i] !== Ch.LBrace) return undefined
  s.i++
  for (;;) {
    s.ws()
    const key = s.string()
    s.ws()
    if (key === undefined || bytes[s.i] !== Ch.Colon) return undefined
    s.i++
    s.ws()
    if (key === 'signature_name' && signatureName === undefined) {
      signatureName = s.string()
      if (signatureName === undefined) return undefined
    } else if ((key === 'instances' || key === 'inputs') && !found) {
      const fast = useWasm ? scanNumericArrayWasm(bytes, s.i) : undefined
      if (fast) s.i = fast.end
      const arr = fast ?? s.numericArray()
      if (!arr) return undefined
      found = { key, shape: arr.shape, data: arr.data }
    } else return undefined
    s.ws()
    const c = bytes[s.i++]
    if (c === Ch.RBrace) break
    if (c !== Ch.Comma) return undefined
  }
  s.ws()
  if (s.i !== bytes.length || !found) return undefined
  return { signatureName: signatureName ?? '', ...found }
}
