import { Agent } from 'node:https'
import { rootCertificates } from 'node:tls'
import type { IClientSettings } from 'twitter-api-v2'

/** twitter-api-v2's hard-coded API roots (api.twitter.com before v1.18). */
const X_ORIGINS = ['https://api.x.com', 'https://api.twitter.com']

export interface XApiSettingsOptions {
  /** `https://api.x.com` in production; an HTTPS fake of X on loopback in tests. */
  baseUrl: string
  /** An extra CA certificate (PEM) to trust beside the public roots, e.g. the fake's. */
  ca?: string
  /** A deadline for every call that sets none of its own. */
  timeoutMs?: number
  /** Keep connections open between calls (a worker); a one-shot CLI does not. */
  keepAlive?: boolean
}

/**
 * The settings every twitter-api-v2 client of the project is built with, for the workers and
 * the operator CLI alike:
 * - the library has no base-URL option, so a plugin rewrites each request's origin **before**
 *   it is signed (OAuth 1.0a signatures then cover the URL really requested);
 * - it sends through Node's https module, so trust comes from the Agent; Node's `ca` option
 *   replaces the trusted roots, so an extra CA goes in beside the public ones, never instead of
 *   them (TLS verification is never turned off);
 * - one timeout for every call.
 */
export const xApiSettings = (opts: XApiSettingsOptions): Partial<IClientSettings> => {
  const base = opts.baseUrl.replace(/\/+$/, '')
  return {
    httpAgent: xApiAgent(opts.ca, opts.keepAlive ?? true),
    plugins: [
      {
        onBeforeRequestConfig({ params }) {
          for (const origin of X_ORIGINS)
            if (params.url.startsWith(origin)) params.url = base + params.url.slice(origin.length)
          if (opts.timeoutMs !== undefined) params.timeout ??= opts.timeoutMs
        },
      },
    ],
  }
}

/** The connection pool for X calls: Node's default trust, plus `extraCa` when given. */
export const xApiAgent = (extraCa?: string, keepAlive = true): Agent =>
  new Agent({ keepAlive, ...(extraCa ? { ca: [...rootCertificates, extraCa] } : {}) })
