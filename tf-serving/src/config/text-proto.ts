// A reader for the protobuf text format subset TF Serving's config files use:
//   field: value            (strings in '…' or "…", numbers, bare identifiers/booleans)
//   field { … } / field: { … }
//   # comments
// Every field becomes an array (repeated or not), so callers pick `[0]` or iterate.
// @see https://protobuf.dev/reference/protobuf/textformat-spec/

export type TextValue = string | number | boolean | TextMessage
export interface TextMessage {
  [field: string]: TextValue[]
}

export class TextProtoError extends Error {
  override name = 'TextProtoError'
}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; line: number }

const tokenize = (src: string): Token[] => {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    if (c === '\n') {
      line++
      i++
    } else if (/\s/.test(c)) i++
    else if (c === '#') while (i < src.length && src[i] !== '\n') i++
    else if ('{}:;,<>[]'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line })
      i++
    } else if (c === '"' || c === "'") {
      let j = i + 1
      let out = ''
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1] as string
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e
          j += 2
        } else out += src[j++]
      }
      if (j >= src.length) throw new TextProtoError(`line ${line}: unterminated string`)
      tokens.push({ kind: 'string', text: out, line })
      i = j + 1
    } else {
      const m = /^[A-Za-z0-9_.+-]+/.exec(src.slice(i))
      if (!m) throw new TextProtoError(`line ${line}: unexpected character '${c}'`)
      const text = m[0]
      tokens.push({ kind: /^[+-]?(\d|\.\d)/.test(text) ? 'number' : 'ident', text, line })
      i += text.length
    }
  }
  return tokens
}

export const parseTextProto = (src: string): TextMessage => {
  const tokens = tokenize(src)
  let pos = 0
  const peek = () => tokens[pos]
  const next = () => {
    const t = tokens[pos++]
    if (!t) throw new TextProtoError('unexpected end of input')
    return t
  }
  const message = (close: string | undefined): TextMessage => {
    const msg: TextMessage = {}
    for (;;) {
      const t = peek()
      if (!t) {
        if (close) throw new TextProtoError(`missing '${close}' at end of input`)
        return msg
      }
      if (t.kind === 'punct' && t.text === close) {
        pos++
        return msg
      }
      if (t.kind !== 'ident')
        throw new TextProtoError(`line ${t.line}: expected a field name, got '${t.text}'`)
      pos++
      let v = next()
      if (v.kind === 'punct' && v.text === ':') v = next()
      let value: TextValue
      if (v.kind === 'punct' && (v.text === '{' || v.text === '<'))
        value = message(v.text === '{' ? '}' : '>')
      else if (v.kind === 'string') value = v.text
      else if (v.kind === 'number') value = Number(v.text)
      else if (v.kind === 'ident')
        value = v.text === 'true' ? true : v.text === 'false' ? false : v.text
      else throw new TextProtoError(`line ${v.line}: unexpected '${v.text}' after field ${t.text}`)
      const list = msg[t.text] ?? []
      list.push(value)
      msg[t.text] = list
      const sep = peek()
      if (sep && sep.kind === 'punct' && (sep.text === ';' || sep.text === ',')) pos++
    }
  }
  return message(undefined)
}

export const isMessage = (v: TextValue | undefined): v is TextMessage =>
  typeof v === 'object' && v !== null
