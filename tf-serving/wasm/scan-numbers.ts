// AssemblyScript (compiled by `bun run build:wasm` into src/rest/scan-numbers.wasm, committed).
// The inner loop of src/rest/scan-predict.ts — a dense nested array of JSON numbers read into
// float32 — ported line by line, because the JS loop costs ~1.4 ns per body byte (4 ms for a
// 224×224×3 image) and this one a fraction of that. It must give exactly the JS scanner's
// numbers; wherever the JS scanner would take its slow path or give up, this returns -1 and the
// JS scanner runs instead. Input is terminated by a 0 byte (never valid here), so reads past
// the last byte see 0 as the JS loop sees `undefined`.

const MAX_RANK: i32 = 32
// Sizes per depth (i32 × MAX_RANK), then the running counts (i32 × MAX_RANK).
const EXPECTED: usize = memory.data(MAX_RANK * 4)
const COUNT: usize = memory.data(MAX_RANK * 4)
// [0] leaves written, [1] rank.
const RESULT: usize = memory.data(8)
const POW10: StaticArray<f64> = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
]
// x × 2^-48: the error bound of m / 10^q as accumulated here (see scan-predict.ts).
const SLACK: f64 = 3.552713678800501e-15

export function heapBase(): usize {
  return __heap_base
}
export function resultAddress(): usize {
  return RESULT
}
export function shapeAddress(): usize {
  return EXPECTED
}

function isWs(c: i32): bool {
  return c <= 32 && (c == 32 || c == 10 || c == 13 || c == 9)
}
function isDigit(c: i32): bool {
  return c >= 48 && c <= 57
}

// Eight digits at once (little-endian load: the first character in the low byte). Gathering one
// digit at a time is a chain of dependent multiply-adds, ~4 cycles a digit; this is a few per 8.
function eightDigits(v: u64): bool {
  return (
    ((v & 0xf0f0f0f0f0f0f0f0) | (((v + 0x0606060606060606) & 0xf0f0f0f0f0f0f0f0) >> 4)) ==
    0x3333333333333333
  )
}
function valueOfEight(v: u64): u64 {
  v = ((v & 0x0f0f0f0f0f0f0f0f) * 2561) >> 8
  v = ((v & 0x00ff00ff00ff00ff) * 6553601) >> 16
  return ((v & 0x0000ffff0000ffff) * 42949672960001) >> 32
}

// A run of digits from `i`: its value appended to `m` (exact while the number has ≤ 19 digits),
// how many there were, and where it ends. Module globals, as a function returns one value.
let runM: u64 = 0
let runDigits: i32 = 0
let runEnd: usize = 0
function digitRun(i: usize, m: u64): void {
  let n = 0
  while (true) {
    const v = load<u64>(i)
    if (!eightDigits(v)) break
    m = m * 100000000 + valueOfEight(v)
    i += 8
    n += 8
  }
  let c: i32 = load<u8>(i)
  while (isDigit(c)) {
    m = m * 10 + <u64>(c - 48)
    n++
    c = load<u8>(++i)
  }
  runM = m
  runDigits = n
  runEnd = i
}

/**
 * Scans the array starting at `start` ('['), writing float32 leaves from `out` (room for
 * `capacity`). Returns the address just past its closing ']', or -1.
 */
export function scanNumericArray(start: usize, out: usize, capacity: i32): i32 {
  for (let d = 0; d < MAX_RANK; d++) store<i32>(EXPECTED + ((<usize>d) << 2), -1)
  let rank = -1
  let depth = 0
  let k = 0
  // Values so far in the innermost open list (COUNT holds it for the lists above).
  let count = 0
  let i = start
  if (load<u8>(i) != 91) return -1
  while (true) {
    // Open a list.
    if (depth >= MAX_RANK || (rank >= 0 && depth >= rank)) return -1
    if (depth > 0) store<i32>(COUNT + ((<usize>(depth - 1)) << 2), count)
    count = 0
    depth++
    i++
    while (isWs(load<u8>(i))) i++
    let c: i32 = load<u8>(i)
    if (c == 93) return -1
    while (true) {
      if (c == 91) break
      if (rank < 0) rank = depth
      else if (depth != rank) return -1
      let neg = false
      if (c == 45) {
        neg = true
        c = load<u8>(++i)
      }
      // The digits, integer then fraction, gather in one integer m; the value is m × 10^scale.
      let m: u64 = 0
      let digits = 0
      let scale = 0
      if (c == 48) c = load<u8>(++i)
      else if (c > 48 && c <= 57) {
        digitRun(i, 0)
        m = runM
        digits = runDigits
        i = runEnd
        c = load<u8>(i)
      } else return -1
      if (c == 46) {
        if (!isDigit(load<u8>(i + 1))) return -1
        digitRun(i + 1, m)
        m = runM
        digits += runDigits
        scale = -runDigits
        i = runEnd
        c = load<u8>(i)
      }
      if (c == 69 || c == 101) {
        c = load<u8>(++i)
        let eneg = false
        if (c == 43 || c == 45) {
          eneg = c == 45
          c = load<u8>(++i)
        }
        if (!isDigit(c)) return -1
        let e = 0
        do {
          if (e < 100000) e = e * 10 + (c - 48)
          c = load<u8>(++i)
        } while (isDigit(c))
        scale += eneg ? -e : e
      }
      // Counting leading zeros too, so a few more numbers go to the JS scanner than need to;
      // with at most 19 digits m has not wrapped, and x is at most 2 roundings from the truth.
      if (digits > 19) return -1
      let v: f32 = 0
      if (m != 0) {
        if (scale > 22 || scale < -22) return -1
        const mf = <f64>m
        const x = scale < 0 ? mf / unchecked(POW10[-scale]) : mf * unchecked(POW10[scale])
        v = <f32>x
        // Below 2^53 m converts exactly, x is the correctly rounded double (one rounding), and
        // v is what JSON.parse + a Float32Array store give. Otherwise every double within the
        // error bound must round to the same float32.
        if (m > 9007199254740992) {
          const slack = x * SLACK
          if (<f32>(x - slack) != v || <f32>(x + slack) != v) return -1
        }
      }
      if (k >= capacity) return -1
      store<f32>(out + ((<usize>k) << 2), neg ? -v : v)
      k++
      count++
      // After a value: most often a comma and, with no space, the next value.
      c = load<u8>(i)
      if (c == 44) {
        c = load<u8>(++i)
        if (!isWs(c)) continue
        i--
      }
      // Otherwise spaces, a comma and the next value, or the end of one or more lists.
      while (true) {
        while (isWs(load<u8>(i))) i++
        c = load<u8>(i)
        if (c == 44) {
          i++
          while (isWs(load<u8>(i))) i++
          c = load<u8>(i)
          break
        }
        if (c != 93) return -1
        i++
        depth--
        const size = count
        const want = EXPECTED + ((<usize>depth) << 2)
        if (load<i32>(want) == -1) store<i32>(want, size)
        else if (load<i32>(want) != size) return -1
        if (depth == 0) {
          store<i32>(RESULT, k)
          store<i32>(RESULT + 4, rank)
          return <i32>i
        }
        // The list just closed is one more value of the one around it.
        count = load<i32>(COUNT + ((<usize>(depth - 1)) << 2)) + 1
      }
    }
  }
}
