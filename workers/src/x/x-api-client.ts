import { Agent } from 'node:https'
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
 * twitter-api-v2 signed as the bot (OAuth 1.0a user context). The library has no base-URL
 * option, so a plugin rewrites each request's origin before it is signed; it sends through
 * Node's https module, hence a custom Agent to trust a test CA. Every call gets `timeoutMs`.
 */
export const createXApiClient = (opts: XApiClientOptions): TwitterApi => {
  const base = opts.baseUrl.replace(/\/$/, '')
  return new TwitterApi(opts.keys, {
    httpAgent: new Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) }),
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
