import { Agent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { TwitterApi } from 'twitter-api-v2'

export interface XApiClientOptions {
  keys: { appKey: string; appSecret: string; accessToken: string; accessSecret: string }
  /** `https://api.x.com` in production; a fake X server on loopback in tests. */
  baseUrl: string
  /** Extra CA certificate (PEM) to trust, e.g. the fake X server's; never disables verification. */
  ca?: string
  timeoutMs: number
}

// Hosts twitter-api-v2 has used as its built-in prefix (api.twitter.com before v1.18).
const X_ORIGINS = ['https://api.x.com', 'https://api.twitter.com']

/**
 * The connection pool for X calls. Node's `ca` option replaces the trusted roots rather than
 * adding to them, so an extra CA (TWITTER_CA_FILE) goes in beside the public roots: with only the
 * extra one, the worker would stop trusting api.x.com itself.
 */
export const createXApiAgent = (extraCa?: string): Agent =>
  new Agent({ keepAlive: true, ...(extraCa ? { ca: [...rootCertificates, extraCa] } : {}) })

/**
 * twitter-api-v2 signed as the bot (OAuth 1.0a user context). The library has no base-URL
 * option, so a plugin rewrites each request's origin before it is signed; it sends through
 * Node's https module, hence a custom Agent to trust a test CA. Every call gets `timeoutMs`.
 */
export const createXApiClient = (opts: XApiClientOptions): TwitterApi => {
  const base = opts.baseUrl.replace(/\/$/, '')
  return new TwitterApi(opts.keys, {
    httpAgent: createXApiAgent(opts.ca),
    plugins: [
      {
        onBeforeRequestConfig({ params }) {
          for (const origin of X_ORIGINS)
            if (params.url.startsWith(origin)) params.url = base + params.url.slice(origin.length)
          params.timeout ??= opts.timeoutMs
        },
      },
    ],
  })
}
