// Number and value printing as TF Serving does it (json_tensor.cc, WriteDecimal): floats get the
// shortest of printf("%g") (6 significant digits) or, when that does not read back to the same
// value, max_digits10 digits (9 for float, 17 for double); whole numbers keep a trailing ".0";
// non-finite values are the bare tokens NaN, Infinity, -Infinity.

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

/** A JSON value that may hold numbers JSON.stringify would turn into null (NaN, Infinity). */
export const stringifyLenient = (value: unknown): string => {
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : formatFloat64(value)
  if (Array.isArray(value)) return `[${value.map(stringifyLenient).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyLenient(v)}`)
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

/** rapidjson's debug rendering of a request value in error messages: compact, cut at 256 bytes. */
export const debugString = (value: unknown): string => {
  const s = stringifyLenient(value)
  return s.length > 256 ? s.slice(0, 256) : s
}

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
