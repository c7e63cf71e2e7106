import { ApiRequestError, ApiResponseError } from 'twitter-api-v2'
import { MissingCredentialsError } from './x-clients.ts'

/** Known failure reasons X names in webhook/subscription errors, and what an operator should do. */
const REASONS: [RegExp, string][] = [
  [
    /CrcValidationFailed|crc/i,
    'the CRC check failed: X sent GET <url>?crc_token=... and the master was unreachable or answered wrong. ' +
      'Check that the master runs behind a public HTTPS URL with no port, answers GET /webhook, and uses this ' +
      "app's consumer secret (TWITTER_CONSUMER_SECRET); then retry, or re-check with `bun run webhook validate <id>`",
  ],
  [
    /DuplicateUrlFailed|duplicate url|already exists/i,
    'this URL is already registered for the app: `bun run webhook list` shows its id; reuse it or delete it first',
  ],
  [
    /WebhookLimitExceeded|webhook limit/i,
    'webhook limit reached for this app (Pay-Per-Use and Pro allow 1): `bun run webhook list`, then ' +
      '`bun run webhook delete <id>` to free one',
  ],
  [
    /DuplicateSubscriptionFailed|already subscribed/i,
    'the bot is already subscribed to this webhook: nothing to do (`bun run webhook subscriptions <id>` lists them)',
  ],
  [
    /SubscriptionLimitExceeded|subscription limit/i,
    'subscription limit reached for this app: remove one with `unsubscribe` or `activity-delete`',
  ],
]

/** X's own words from an error body (v2 problem fields or v1.1 `errors[]`), shortened. */
const xDetail = (data: unknown): string => {
  if (data === undefined || data === null || data === '') return ''
  if (typeof data === 'string') return data.slice(0, 300)
  const d = data as {
    title?: string
    detail?: string
    reason?: string
    errors?: { message?: string; code?: unknown }[]
  }
  const parts = [
    d.title,
    d.reason,
    d.detail,
    ...(d.errors ?? []).map(
      (e) => e.message ?? (e.code !== undefined ? String(e.code) : undefined),
    ),
  ].filter((p, i, all): p is string => typeof p === 'string' && p !== '' && all.indexOf(p) === i)
  return (parts.length > 0 ? parts.join(': ') : JSON.stringify(data)).slice(0, 300)
}

const byStatus = (status: number, auth: string): string | undefined => {
  if (status === 401)
    return `X rejected the ${auth} credentials (401): check ${
      auth === 'app'
        ? 'TWITTER_BEARER_TOKEN, or TWITTER_CONSUMER_KEY and TWITTER_CONSUMER_SECRET'
        : 'TWITTER_CONSUMER_KEY/SECRET and TWITTER_ACCESS_TOKEN/_SECRET (the bot account)'
    }`
  if (status === 403)
    return (
      'missing permission (403): the app needs Account Activity / Activity API access on its plan, and ' +
      '"Read, Write and Direct Messages" permission (regenerate the access token after changing it)'
    )
  if (status === 404) return 'not found (404): check the id (`bun run webhook list`)'
  if (status === 429) return 'rate limited by X (429)'
  return undefined
}

/**
 * The socket error behind an ApiRequestError. twitter-api-v2 1.29 stores it as `_options.error`
 * while its `requestError` getter reads `_options.requestError` (always undefined).
 */
const networkCause = (err: ApiRequestError): { message?: string; code?: string } | undefined => {
  const options = (err as unknown as { _options?: { error?: unknown } })._options
  return (err.requestError ?? options?.error) as { message?: string; code?: string } | undefined
}

/**
 * One readable sentence for a failed call: what went wrong, what to do, and X's own words.
 * Never includes credentials (the library's error objects carry request headers; only the body
 * and status are read here).
 */
export const explainXError = (err: unknown, ctx: { auth: string; baseUrl: string }): string => {
  if (err instanceof MissingCredentialsError)
    return err.message.startsWith('TWITTER_CA_FILE')
      ? err.message
      : `missing credentials: ${err.message}`
  if (err instanceof ApiResponseError) {
    const detail = xDetail(err.data)
    const text = `${JSON.stringify(err.data ?? '')} ${detail}`
    const reason = REASONS.find(([re]) => re.test(text))?.[1] ?? byStatus(err.code, ctx.auth)
    const reset =
      err.code === 429 && err.rateLimit?.reset
        ? ` (resets at ${new Date(err.rateLimit.reset * 1000).toISOString()})`
        : ''
    const what = reason ?? `X answered ${err.code}`
    return `${what}${reset}${detail ? `\n  X said (HTTP ${err.code}): ${detail}` : ` [HTTP ${err.code}]`}`
  }
  if (err instanceof ApiRequestError) {
    const cause = networkCause(err)
    const tls = /certificate|self.signed|CERT/i.test(`${cause?.message} ${cause?.code}`)
    return `could not reach the X API at ${ctx.baseUrl}: ${cause?.message ?? err.message}${
      tls ? ' (TLS: for a local fake X API set TWITTER_CA_FILE to its CA certificate)' : ''
    }`
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
