/**
 * The subset of OpenShift's `generate: expression` syntax that templates use: literal characters
 * and character classes (`[a-zA-Z0-9]`, `\w`, `\d`, `\a`, `\A`, ranges inside brackets), each
 * optionally followed by a `{n}` repeat count. OpenShift's generator accepts the same forms; we
 * do not support alternation or groups (oc does not either).
 * @see https://docs.openshift.com/container-platform/latest/openshift_images/using-templates.html
 */

const CLASSES: Record<string, string> = {
  w: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_',
  d: '0123456789',
  a: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  A: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
}

type Atom = { chars: string; count: number }

const expandBracket = (body: string): string => {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c === '\\' && i + 1 < body.length) {
      const cls = CLASSES[body[i + 1]!]
      out += cls ?? body[i + 1]!
      i++
    } else if (body[i + 1] === '-' && i + 2 < body.length) {
      const from = c.charCodeAt(0)
      const to = body.charCodeAt(i + 2)
      if (to < from) throw new Error(`generate: bad range ${c}-${body[i + 2]}`)
      for (let code = from; code <= to; code++) out += String.fromCharCode(code)
      i += 2
    } else out += c
  }
  if (out.length === 0) throw new Error('generate: empty character class')
  return out
}

export const parseExpression = (expr: string): Atom[] => {
  const atoms: Atom[] = []
  let i = 0
  while (i < expr.length) {
    let chars: string
    const c = expr[i]!
    if (c === '[') {
      const end = expr.indexOf(']', i + 1)
      if (end < 0) throw new Error(`generate: unclosed [ in ${expr}`)
      chars = expandBracket(expr.slice(i + 1, end))
      i = end + 1
    } else if (c === '\\' && i + 1 < expr.length) {
      chars = CLASSES[expr[i + 1]!] ?? expr[i + 1]!
      i += 2
    } else {
      chars = c
      i++
    }
    let count = 1
    const repeat = /^\{(\d+)\}/.exec(expr.slice(i))
    if (repeat) {
      count = Number(repeat[1])
      i += repeat[0].length
    }
    atoms.push({ chars, count })
  }
  return atoms
}

/** A random string matching `expr`, drawn with crypto.getRandomValues (passwords use this). */
export const generateFromExpression = (expr: string): string => {
  let out = ''
  for (const { chars, count } of parseExpression(expr)) {
    const picks = crypto.getRandomValues(new Uint32Array(count))
    for (const n of picks) out += chars[n % chars.length]
  }
  return out
}
