// JSON.parse, plus what TF Serving's parser (rapidjson with kParseNanAndInfFlag) also accepts:
// the tokens NaN, Infinity and -Infinity. The fast native parser handles ordinary bodies; only a
// body it rejects goes through the small parser below, which also words errors like rapidjson.
import { invalidArgument } from './errors.ts'
import { setOwn } from './own.ts'

export const parseJsonBody = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return new LenientParser(text).parseDocument()
  }
}

class LenientParser {
  #i = 0
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw invalidArgument(`JSON Parse error: ${what} at offset: ${this.#i}`)
  }

  ws() {
    const s = this.s
    while (this.#i < s.length) {
      const c = s.charCodeAt(this.#i)
      if (c === 32 || c === 9 || c === 10 || c === 13) this.#i++
      else break
    }
  }

  parseDocument(): unknown {
    this.ws()
    if (this.#i >= this.s.length) this.fail('The document is empty.')
    // rapidjson stops when the root value is done (kParseStopWhenDoneFlag); trailing bytes are ignored.
    return this.value()
  }

  value(): unknown {
    this.ws()
    const c = this.s[this.#i]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"') return this.string()
    if (c === 't') return this.literal('true', true)
    if (c === 'f') return this.literal('false', false)
    if (c === 'n') return this.literal('null', null)
    if (c === 'N') return this.literal('NaN', Number.NaN)
    if (c === 'I') return this.literal('Infinity', Number.POSITIVE_INFINITY)
    if (c === '-' && this.s.startsWith('-Infinity', this.#i))
      return this.literal('-Infinity', Number.NEGATIVE_INFINITY)
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    return this.fail('Invalid value.')
  }

  literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.#i)) this.fail('Invalid value.')
    this.#i += word.length
    return v
  }

  number(): number {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(
      this.s.slice(this.#i, this.#i + 400),
    )
    if (!m) return this.fail('Invalid value.')
    this.#i += m[0].length
    return Number(m[0])
  }

  string(): string {
    const start = this.#i
    this.#i++
    const s = this.s
    while (this.#i < s.length) {
      const c = s[this.#i]
      if (c === '\\') this.#i += 2
      else if (c === '"') {
        this.#i++
        try {
          return JSON.parse(s.slice(start, this.#i)) as string
        } catch {
          this.#i = start
          return this.fail('Invalid escape character in string.')
        }
      } else this.#i++
    }
    return this.fail('Missing a closing quotation mark in string.')
  }

  array(): unknown[] {
    this.#i++
    const out: unknown[] = []
    this.ws()
    if (this.s[this.#i] === ']') {
      this.#i++
      return out
    }
    for (;;) {
      out.push(this.value())
      this.ws()
      const c = this.s[this.#i]
      if (c === ',') this.#i++
      else if (c === ']') {
        this.#i++
        return out
      } else this.fail("Missing a comma or ']' after an array element.")
    }
  }

  object(): Record<string, unknown> {
    this.#i++
    const out: Record<string, unknown> = {}
    this.ws()
    if (this.s[this.#i] === '}') {
      this.#i++
      return out
    }
    for (;;) {
      this.ws()
      if (this.s[this.#i] !== '"') this.fail('Missing a name for object member.')
      const key = this.string()
      this.ws()
      if (this.s[this.#i] !== ':') this.fail('Missing a colon after a name of object member.')
      this.#i++
      setOwn(out, key, this.value())
      this.ws()
      const c = this.s[this.#i]
      if (c === ',') this.#i++
      else if (c === '}') {
        this.#i++
        return out
      } else this.fail("Missing a comma or '}' after an object member.")
    }
  }
}
