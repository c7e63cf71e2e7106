// TF Serving's REST URL grammar, as its source applies it (http_rest_api_util.cc:31-131 and
// http_rest_api_handler.cc:65-109):
// - the path it matches is the path *with* the query string and fragment (net_http's uri_path();
//   evhttp_request.cc:99-116), so `/v1/models/m?x=1` names the model `m?x=1`;
// - the patterns are case-insensitive as a whole (`(?i)`), so `/V1/MODELS/m:PREDICT` matches,
//   but the captured verb is then compared with "predict"/"classify"/"regress" exactly: a verb in
//   another case matches the pattern and still ends as "Malformed request";
// - on GET, only the exact sub-resource "metadata" asks for metadata; `/METADATA` matches the
//   pattern and is answered as a *status* request;
// - the model name and label are percent-decoded like curl_easy_unescape (never fails: a bad
//   escape stays as it is); the version must fit an int64.
import { invalidArgument } from '../rest/errors.ts'

/** The dispatcher's pattern (http_rest_api_util.h:33): which requests the REST handler gets. */
const REST_PATH = /^\/v1\/.*$/i
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

/** Whether TF Serving's HTTP server hands this path (with its query) to the REST handler. */
export const isRestApiPath = (pathAndQuery: string) => REST_PATH.test(pathAndQuery)

/** curl_easy_unescape: %XX → that byte, anything else (also a lone %) unchanged; no '+' rule. */
const curlUnescape = (s: string): string => {
  if (!s.includes('%')) return s
  const bytes: number[] = []
  for (let i = 0; i < s.length; ) {
    if (s[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16))
      i += 3
    } else {
      const ch = String.fromCodePoint(s.codePointAt(i) as number)
      bytes.push(...Buffer.from(ch, 'utf8'))
      i += ch.length
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

const INT64_MAX = (1n << 63n) - 1n

/**
 * Parses a REST path (with its query). Undefined means TF Serving's "Malformed request"; a thrown
 * error is one ParseModelInfo reports itself (a version that is not an int64).
 */
export const parseModelPath = (httpMethod: string, pathAndQuery: string): ModelPath | undefined => {
  const post = httpMethod === 'POST'
  const m = post
    ? PREDICT.exec(pathAndQuery)
    : httpMethod === 'GET'
      ? STATUS.exec(pathAndQuery)
      : null
  if (!m) return undefined
  const [, name = '', v, l, sub] = m
  const out: ModelPath = { model: curlUnescape(name), method: 'status' }
  if (v !== undefined) {
    if (BigInt(v) > INT64_MAX) throw invalidArgument(`Failed to convert version: ${v} to numeric.`)
    // Versions past 2^53 cannot be told apart here; none is ever loaded, so they stay unknown.
    out.version = Number(v)
  }
  if (l !== undefined) out.label = curlUnescape(l)
  if (post) {
    if (sub !== 'predict' && sub !== 'classify' && sub !== 'regress') return undefined
    out.method = sub
  } else if (sub === 'metadata') out.method = 'metadata'
  if (out.model === '') throw invalidArgument('Missing model name in request.')
  return out
}
