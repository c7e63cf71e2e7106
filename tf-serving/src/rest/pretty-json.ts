// The JSON layout TF Serving's bodies have: rapidjson's PrettyWriter (4-space indent, a newline
// before every object member) with its "single-line array" switch, which TF Serving turns on for
// the inner arrays of a result (json_tensor.cc, MakeJsonFromTensors / MakeJsonFromClassification-
// Result / MakeJsonFromRegressionResult / MakeJsonFromStatus). The rules, as the writer applies
// them before each value:
// - in an array: after the first element a ","; then, in single-line mode a " ", else a newline
//   and the indent of the current depth;
// - in an object: before a key a newline (",\n" after the first member) and the indent; between
//   key and value ": ";
// - closing an array that has elements: a newline + indent unless single-line mode is on;
//   closing an object that has members: always a newline + indent.
// Strings are escaped as rapidjson does: `"`, `\`, the short escapes \b \f \n \r \t, other
// control characters as \u00XX with upper-case hex; everything else (also "/" and non-ASCII) as is.

const INDENT = '    '
const encoder = new TextEncoder()

export const escapeJsonString = (s: string): string => {
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue
    out += s.slice(start, i)
    start = i + 1
    if (c === 0x22) out += '\\"'
    else if (c === 0x5c) out += '\\\\'
    else if (c === 0x08) out += '\\b'
    else if (c === 0x0c) out += '\\f'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else out += `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return `${out + s.slice(start)}"`
}

/** Thrown inside the writer when a byte limit is reached (JsonWriterWithLimit in json_tensor.cc). */
class LimitReached extends Error {}

/** Ends a `bounded` write where it stands (rapidjson's writer refusing a value). */
export const stopWriting = (): never => {
  throw new LimitReached()
}

interface Level {
  inArray: boolean
  count: number
}

export class PrettyJsonWriter {
  #parts: string[] = []
  #bytes = 0
  #levels: Level[] = []
  /** rapidjson's kFormatSingleLineArray. */
  singleLineArrays = false

  /** `limit`: stop (silently) before any value once this many bytes are written. */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  #put(s: string) {
    this.#parts.push(s)
    if (this.limit !== Number.POSITIVE_INFINITY) this.#bytes += encoder.encode(s).length
  }

  #indent() {
    this.#put(INDENT.repeat(this.#levels.length))
  }

  #prefix() {
    this.#checkLimit()
    const level = this.#levels[this.#levels.length - 1]
    if (!level) return
    if (level.inArray) {
      if (level.count > 0) this.#put(this.singleLineArrays ? ', ' : ',')
      if (!this.singleLineArrays) {
        this.#put('\n')
        this.#indent()
      }
    } else {
      if (level.count === 0) this.#put('\n')
      else this.#put(level.count % 2 === 0 ? ',\n' : ': ')
      if (level.count % 2 === 0) this.#indent()
    }
    level.count++
  }

  startObject() {
    this.#prefix()
    this.#levels.push({ inArray: false, count: 0 })
    this.#put('{')
  }

  #checkLimit() {
    if (this.#bytes >= this.limit) throw new LimitReached()
  }

  endObject() {
    this.#checkLimit()
    const level = this.#levels.pop()
    if (level && level.count > 0) {
      this.#put('\n')
      this.#indent()
    }
    this.#put('}')
  }

  startArray() {
    this.#prefix()
    this.#levels.push({ inArray: true, count: 0 })
    this.#put('[')
  }

  endArray() {
    this.#checkLimit()
    const level = this.#levels.pop()
    if (level && level.count > 0 && !this.singleLineArrays) {
      this.#put('\n')
      this.#indent()
    }
    this.#put(']')
  }

  key(name: string) {
    this.string(name)
  }

  string(s: string) {
    this.#prefix()
    this.#put(escapeJsonString(s))
  }

  /** A value already in JSON form (a formatted number, true/false/null). */
  raw(json: string) {
    this.#prefix()
    this.#put(json)
  }

  toString() {
    return this.#parts.join('')
  }

  /** Runs `write`, stopping quietly where the byte limit cuts it. */
  static bounded(limit: number, write: (w: PrettyJsonWriter) => void): string {
    const w = new PrettyJsonWriter(limit)
    try {
      write(w)
    } catch (err) {
      if (!(err instanceof LimitReached)) throw err
    }
    return w.toString()
  }
}

/**
 * The JSON body TF Serving sends with every error, `{"error": message}`, exactly as
 * MakeJsonFromStatus (json_tensor.cc:1129) writes it.
 */
export const errorJson = (message: string): string => {
  const w = new PrettyJsonWriter()
  w.startObject()
  w.key('error')
  w.string(message)
  w.endObject()
  return w.toString()
}
