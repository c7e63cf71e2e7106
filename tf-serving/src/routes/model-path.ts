// TF Serving's REST URL grammar (http_rest_api_util.cc): case-insensitive, the whole path must
// match. POST /v1/models/{m}[/versions/{v}|/labels/{l}]:(predict|classify|regress);
// GET /v1/models/{m}[/versions/{v}|/labels/{l}][/metadata].
import { invalidArgument } from '../rest/errors.ts'

const PREDICT =
  /^\/v1\/models\/([^/:]+)(?:(?:\/versions\/(\d+))|(?:\/labels\/([^/:]+)))?:(classify|regress|predict)$/i
const STATUS =
  /^\/v1\/models(?:\/([^/:]+))?(?:(?:\/versions\/(\d+))|(?:\/labels\/([^/:]+)))?(?:\/(metadata))?$/i

export interface ModelPath {
  model: string
  version?: number
  label?: string
  /** predict | classify | regress for POST; status | metadata for GET. */
  method: 'predict' | 'classify' | 'regress' | 'status' | 'metadata'
}

const decode = (s: string, what: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    throw invalidArgument(`Failed to decode ${what}:${s}`)
  }
}

/** Parses a /v1 path; undefined when it does not match (TF Serving: "Malformed request"). */
export const parseModelPath = (httpMethod: string, path: string): ModelPath | undefined => {
  const m =
    httpMethod === 'POST' ? PREDICT.exec(path) : httpMethod === 'GET' ? STATUS.exec(path) : null
  if (!m) return undefined
  const [, name = '', v, l, sub] = m
  if (name === '') throw invalidArgument('Missing model name in request.')
  const out: ModelPath = {
    model: decode(name, 'model name'),
    method:
      httpMethod === 'POST'
        ? (sub?.toLowerCase() as ModelPath['method'])
        : sub
          ? 'metadata'
          : 'status',
  }
  if (v !== undefined) {
    const n = Number(v)
    if (!Number.isSafeInteger(n))
      throw invalidArgument(`Failed to convert version: ${v} to numeric.`)
    out.version = n
  }
  if (l !== undefined) out.label = decode(l, 'model version label')
  return out
}
