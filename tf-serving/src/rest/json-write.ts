// Number and value printing as TF Serving does it (json_tensor.cc, WriteDecimal): floats get the
// shortest of printf("%g") (6 significant digits) or, when that does not read back to the same
// value, max_digits10 digits (9 for float, 17 for double); whole numbers keep a trailing ".0";
// non-finite values are the bare tokens NaN, Infinity, -Infinity.
import { isDoubleEntry } from './json-parse.ts'
import { PrettyJsonWriter, stopWriting } from './pretty-json.ts'

/** C printf `%.{precision}g`. */
export const formatG = (v: number, precision: number): string => {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0'
  const exp = v.toExponential(precision - 1)
  const e = exp.indexOf('e')
  const x = Number(exp.slice(e + 1))
  if (x < -4 || x >= precision) {
    let mantissa = exp.slice(0, e)
    if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '')
    const abs = Math.abs(x)
    return `${mantissa}e${x < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`
  }
  let fixed = v.toFixed(precision - 1 - x)
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '')
  return fixed
}

const decimal = (v: number, roundTrips: (s: string) => boolean, maxDigits: number) => {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v < 0 ? '-Infinity' : 'Infinity'
  let s = formatG(v, 6)
  if (!roundTrips(s)) s = formatG(v, maxDigits)
  if (!s.includes('.') && !s.includes('e')) s += '.0'
  return s
}

/** A DT_FLOAT value (already a float32, e.g. read from a Float32Array). */
export const formatFloat32 = (v: number) => decimal(v, (s) => Math.fround(Number(s)) === v, 9)
/** A DT_DOUBLE value. */
export const formatFloat64 = (v: number) => decimal(v, (s) => Number(s) === v, 17)

/** How rapidjson's Writer prints a double it parsed (Grisu shortest digits, ".0" on integers). */
const rapidJsonDouble = (v: number): string => {
  if (Object.is(v, -0)) return '-0.0'
  const s = String(v).replace('e+', 'e')
  return s.includes('.') || s.includes('e') ? s : `${s}.0`
}

const writeDebugValue = (w: PrettyJsonWriter, v: unknown, isDouble: boolean) => {
  if (typeof v === 'number') {
    // rapidjson's Writer refuses NaN/Infinity, which ends the debug text there.
    if (!Number.isFinite(v)) stopWriting()
    w.raw(isDouble ? rapidJsonDouble(v) : String(v))
  } else if (typeof v === 'string') w.string(v)
  else if (Array.isArray(v)) {
    w.startArray()
    for (let i = 0; i < v.length; i++) writeDebugValue(w, v[i], isDoubleEntry(v, i))
    w.endArray()
  } else if (v !== null && typeof v === 'object') {
    w.startObject()
    for (const [k, x] of Object.entries(v)) {
      w.key(k)
      writeDebugValue(w, x, isDoubleEntry(v, k))
    }
    w.endObject()
  } else w.raw(v === undefined ? 'null' : String(v))
}

/**
 * A request value as TF Serving quotes it in error messages (JsonValueToDebugString,
 * json_tensor.cc:225-236): pretty-printed with single-line arrays, cut once 256 bytes are written.
 */
export const debugString = (value: unknown, isDouble = false): string =>
  PrettyJsonWriter.bounded(256, (w) => {
    w.singleLineArrays = true
    writeDebugValue(w, value, isDouble || (typeof value === 'number' && !Number.isInteger(value)))
  })

/** rapidjson's type names (JsonTypeString in json_tensor.cc). */
export const jsonTypeString = (value: unknown): string => {
  if (value === null || value === undefined) return 'Null'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (Array.isArray(value)) return 'Array'
  if (typeof value === 'object') return 'Object'
  if (typeof value === 'string') return 'String'
  return 'Number'
}
