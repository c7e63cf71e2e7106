// Request bodies read the way TF Serving reads them: rapidjson, iterative, with NaN/Infinity
// accepted and parsing stopped once the root value is complete (json_tensor.cc:473-502, ParseJson).
// Two things JSON.parse loses matter to TF Serving, so this parser keeps them:
// - whether a number was written as a double (`1.0`, `2e3`) or an integer (`1`): rapidjson keeps
//   the distinction, and TF Serving uses it (an int feature vs a float feature in an Example,
//   `1.0` refused for a DT_INT32 input, `1.0` echoed back in error messages). Integral values
//   written as doubles are recorded per container (`isDoubleEntry`).
// - rapidjson's error wording and its offsets, which count bytes (UTF-8), not characters.
// JSON.parse still does the work when the text cannot hold an integral double, which is the
// common case; its failures are re-parsed here for the error text.
import { invalidArgument } from './errors.ts'
import { EMPTY_DOCUMENT } from './messages.ts'
import { hasOwnKey, setOwn } from './own.ts'

/** Containers → keys/indices whose numbers were written as doubles with an integral value. */
const integralDoubles = new WeakMap<object, Set<string | number>>()
/** Containers → integer tokens too long for a double to hold exactly, as written. */
const bigIntegers = new WeakMap<object, Map<string | number, bigint>>()

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/** The integer `parent[key]` was written as (the number itself rounds beyond 2^53). */
const exactInteger = (parent: object, key: string | number, v: number): bigint =>
  bigIntegers.get(parent)?.get(key) ?? BigInt(v)

/**
 * Whether rapidjson would hold `parent[key]` as a double (IsDouble): written with a fraction or
 * an exponent, non-finite, or an integer too large for int64/uint64.
 */
export const isDoubleEntry = (parent: object, key: string | number): boolean => {
  const v = (parent as Record<string | number, unknown>)[key]
  if (typeof v !== 'number') return false
  if (!Number.isInteger(v) || integralDoubles.get(parent)?.has(key)) return true
  if (Math.abs(v) < 2 ** 53) return false
  const exact = exactInteger(parent, key, v)
  return exact > UINT64_MAX || exact < INT64_MIN
}

/**
 * Marks every number of `values` as written as a double: a proto's float_list (gRPC) holds
 * floats whatever their value, as `2.0` in a JSON body would.
 */
export const markDoubles = <T extends unknown[]>(values: T): T => {
  integralDoubles.set(values, new Set(values.keys()))
  return values
}

/** rapidjson's view of a parsed number: a double, an int64, or a uint64 beyond int64. */
export const numberKind = (parent: object, key: string | number): 'double' | 'int64' | 'uint64' => {
  if (isDoubleEntry(parent, key)) return 'double'
  const v = (parent as Record<string | number, unknown>)[key]
  if (typeof v !== 'number' || Math.abs(v) < 2 ** 53) return 'int64'
  return exactInteger(parent, key, v) > INT64_MAX ? 'uint64' : 'int64'
}

/** A body that may contain a number token with a fraction or exponent and an integral value. */
const MAY_HOLD_INTEGRAL_DOUBLE = /[0-9]\.0*(?![0-9])|[0-9][eE]|[0-9]{16}/

/** Notes how a number was written: `asDouble` when the token had a fraction or an exponent. */
const record = (
  parent: object,
  key: string | number,
  source: string,
  value: number,
  asDouble: boolean,
) => {
  if (asDouble) {
    if (!Number.isInteger(value)) return
    const set = integralDoubles.get(parent) ?? new Set<string | number>()
    integralDoubles.set(parent, set)
    set.add(key)
  } else if (Number.isFinite(value) && Math.abs(value) >= 2 ** 53) {
    const map = bigIntegers.get(parent) ?? new Map<string | number, bigint>()
    bigIntegers.set(parent, map)
    map.set(key, BigInt(source))
  }
}

/**
 * A request body, fast: JSON.parse, which loses how numbers were written (`1.0` reads as `1`).
 * Enough where that does not matter (float inputs, the common case); bodies JSON.parse refuses
 * (NaN, text after the value, errors) go through the rapidjson-compatible parser.
 */
export const parseJsonBody = (text: string): unknown => {
  if (text.length === 0) throw invalidArgument(EMPTY_DOCUMENT)
  try {
    return JSON.parse(text)
  } catch {
    return new RapidJsonParser(text).document()
  }
}

/**
 * A request body read as rapidjson reads it, number tokens included (`isDoubleEntry`,
 * `numberKind`): for classify/regress examples, integer inputs and error texts. About 15× slower
 * than JSON.parse on a large body, so predict uses it only when the tokens matter.
 */
export const parseJsonBodyExact = (text: string): unknown => {
  if (text.length === 0) throw invalidArgument(EMPTY_DOCUMENT)
  if (!MAY_HOLD_INTEGRAL_DOUBLE.test(text)) return parseJsonBody(text)
  return new RapidJsonParser(text).document()
}

/**
 * The exact parse of `text` where it can disagree with parseJsonBody's, else undefined: one scan
 * of the body decides, so a caller that already has the fast parse does not pay for the exact one.
 */
export const parseJsonBodyExactIfDifferent = (text: string): unknown =>
  MAY_HOLD_INTEGRAL_DOUBLE.test(text) ? new RapidJsonParser(text).document() : undefined

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])
const isDigit = (c: number) => c >= 0x30 && c <= 0x39

class RapidJsonParser {
  #i = 0
  readonly #s: string
  constructor(s: string) {
    // rapidjson reads a memory stream whose end looks like a NUL byte: text after a NUL is unseen.
    const nul = s.indexOf('\0')
    this.#s = nul >= 0 ? s.slice(0, nul) : s
  }

  #fail(what: string, at = this.#i): never {
    const bytes = Buffer.byteLength(this.#s.slice(0, at), 'utf8')
    throw invalidArgument(`JSON Parse error: ${what} at offset: ${bytes}`)
  }

  #peek(): number {
    return this.#i < this.#s.length ? this.#s.charCodeAt(this.#i) : 0
  }

  #ws() {
    while (WS.has(this.#peek())) this.#i++
  }

  #consume(word: string): boolean {
    for (const ch of word) {
      if (this.#s[this.#i] !== ch) return false
      this.#i++
    }
    return true
  }

  document(): unknown {
    this.#ws()
    if (this.#i >= this.#s.length) this.#fail('The document is empty.')
    const root = this.#value(undefined, 0)
    // kParseStopWhenDoneFlag: whatever follows the root value is not read.
    return root
  }

  /** Parses one value; `parent`/`key` say where it goes, to record integral doubles. */
  #value(parent: object | undefined, key: string | number): unknown {
    const c = this.#peek()
    if (c === 0x7b) return this.#object()
    if (c === 0x5b) return this.#array()
    if (c === 0x22) return this.#string()
    if (c === 0x74) return this.#literal('true', true)
    if (c === 0x66) return this.#literal('false', false)
    if (c === 0x6e) return this.#literal('null', null)
    return this.#number(parent, key)
  }

  #literal<T>(word: string, v: T): T {
    this.#i++
    if (!this.#consume(word.slice(1))) this.#fail('Invalid value.')
    return v
  }

  #number(parent: object | undefined, key: string | number): number {
    const start = this.#i
    const minus = this.#peek() === 0x2d
    if (minus) this.#i++
    const c = this.#peek()
    let value: number
    if (c === 0x4e /* N */) {
      this.#i++
      if (!this.#consume('aN')) this.#fail('Invalid value.')
      value = Number.NaN
    } else if (c === 0x49 /* I */) {
      this.#i++
      if (!this.#consume('nf')) this.#fail('Invalid value.')
      if (this.#s[this.#i] === 'i' && !this.#consume('inity')) this.#fail('Invalid value.')
      value = minus ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
    } else {
      if (c === 0x30) this.#i++
      else if (c >= 0x31 && c <= 0x39) while (isDigit(this.#peek())) this.#i++
      else this.#fail('Invalid value.')
      const fraction = this.#peek() === 0x2e
      if (fraction) {
        this.#i++
        if (!isDigit(this.#peek())) this.#fail('Miss fraction part in number.')
        while (isDigit(this.#peek())) this.#i++
      }
      const exponent = this.#peek() === 0x65 || this.#peek() === 0x45
      if (exponent) {
        this.#i++
        if (this.#peek() === 0x2b || this.#peek() === 0x2d) this.#i++
        if (!isDigit(this.#peek())) this.#fail('Miss exponent in number.')
        while (isDigit(this.#peek())) this.#i++
      }
      const source = this.#s.slice(start, this.#i)
      // An out-of-range exponent reads as ±Infinity, as the byte scanner (scan-predict.ts) reads it.
      value = Number(source)
      // NaN and Infinity need no record: isDoubleEntry calls every non-integer a double.
      if (parent) record(parent, key, source, value, fraction || exponent)
    }
    return value
  }

  #string(): string {
    const start = this.#i
    this.#i++
    const s = this.#s
    let escaped = false
    for (;;) {
      const c = this.#peek()
      if (c === 0x22) break
      if (c === 0x5c) {
        const at = this.#i
        escaped = true
        this.#i++
        const e = this.#s[this.#i]
        if (e === 'u') {
          for (let k = 1; k <= 4; k++)
            if (!/[0-9a-fA-F]/.test(s[this.#i + k] ?? ''))
              this.#fail('Incorrect hex digit after \\u escape in string.', at)
          const cp = Number.parseInt(s.slice(this.#i + 1, this.#i + 5), 16)
          this.#i += 5
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!(s[this.#i] === '\\' && s[this.#i + 1] === 'u'))
              this.#fail('The surrogate pair in string is invalid.', at)
            const low = Number.parseInt(s.slice(this.#i + 2, this.#i + 6), 16)
            if (!(low >= 0xdc00 && low <= 0xdfff))
              this.#fail('The surrogate pair in string is invalid.', at)
            this.#i += 6
          }
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e))
          this.#fail('Invalid escape character in string.', at)
        this.#i++
        continue
      }
      if (c < 0x20) {
        if (this.#i >= s.length) this.#fail('Missing a closing quotation mark in string.')
        // rapidjson 1.1.0 (TF Serving's) words an unescaped control character this way.
        this.#fail('Invalid escape character in string.')
      }
      this.#i++
    }
    this.#i++
    const raw = s.slice(start + 1, this.#i - 1)
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw
  }

  /** Steps into `[` or `{`; true (and past `close`) when the container is empty. */
  #opensEmpty(close: number): boolean {
    this.#i++
    this.#ws()
    if (this.#peek() !== close) return false
    this.#i++
    return true
  }

  /** Before a member's value: rapidjson's error where none starts. */
  #expectValue(close: number) {
    this.#ws()
    const c = this.#peek()
    if (c === close || c === 0x2c || this.#i >= this.#s.length) this.#fail('Invalid value.')
  }

  /** After a member: false past a comma, true past `close`, else rapidjson's `message`. */
  #closesAfterMember(close: number, message: string): boolean {
    this.#ws()
    const c = this.#peek()
    if (c !== 0x2c && c !== close) this.#fail(message)
    this.#i++
    return c === close
  }

  #array(): unknown[] {
    const out: unknown[] = []
    if (this.#opensEmpty(0x5d)) return out
    do {
      this.#expectValue(0x5d)
      out.push(this.#value(out, out.length))
    } while (!this.#closesAfterMember(0x5d, "Missing a comma or ']' after an array element."))
    return out
  }

  #object(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    if (this.#opensEmpty(0x7d)) return out
    do {
      this.#ws()
      if (this.#peek() !== 0x22) this.#fail('Missing a name for object member.')
      const key = this.#string()
      this.#ws()
      if (this.#peek() !== 0x3a) this.#fail('Missing a colon after a name of object member.')
      this.#i++
      this.#expectValue(0x7d)
      // rapidjson keeps every member and finds the first of a repeated name: a later one is
      // parsed (and checked) but neither kept nor recorded, so it cannot mark the first one.
      const first = !hasOwnKey(out, key)
      const value = this.#value(first ? out : undefined, key)
      if (first) setOwn(out, key, value)
    } while (!this.#closesAfterMember(0x7d, "Missing a comma or '}' after an object member."))
    return out
  }
}
