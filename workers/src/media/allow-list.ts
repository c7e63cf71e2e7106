import { MediaRejectedError } from '../errors.ts'

/** X's media hosts: always HTTPS. `ton.*` serve DM media and need the bot's OAuth signature. */
export const X_MEDIA_HOSTS = ['pbs.twimg.com', 'ton.twitter.com', 'ton.x.com'] as const
export const SIGNED_MEDIA_HOSTS = new Set(['ton.twitter.com', 'ton.x.com'])

export interface MediaPolicy {
  /** Hosts fetched over https only, without a port (X's own). */
  httpsHosts: ReadonlySet<string>
  /** Of those, the hosts whose requests carry the bot's OAuth 1.0a header. */
  signedHosts: ReadonlySet<string>
  /** `host[:port]` entries from MEDIA_ALLOWED_HOSTS; http or https (local and load-test image servers). */
  extraHosts: ReadonlySet<string>
}

export const mediaPolicy = (extraHosts: readonly string[] = []): MediaPolicy => ({
  httpsHosts: new Set(X_MEDIA_HOSTS),
  signedHosts: SIGNED_MEDIA_HOSTS,
  extraHosts: new Set(extraHosts.map((h) => h.toLowerCase())),
})

export interface AllowedMediaUrl {
  url: URL
  /** True for DM media on ton.* hosts: the request carries the bot's OAuth 1.0a header. */
  signed: boolean
}

/**
 * Decides whether a media URL may be fetched at all (the worker must not become a proxy into
 * the cluster: SSRF). Called again for every redirect hop.
 */
export const checkMediaUrl = (raw: string, policy: MediaPolicy): AllowedMediaUrl => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new MediaRejectedError('not a valid URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new MediaRejectedError(`scheme ${url.protocol} not allowed`)
  if (url.username || url.password) throw new MediaRejectedError('credentials in URL')
  // URL.host omits the default port, so "127.0.0.1:9100" and "images.example" compare directly.
  const host = url.host.toLowerCase()
  if (policy.httpsHosts.has(host) && url.protocol === 'https:')
    return { url, signed: policy.signedHosts.has(host) }
  if (policy.extraHosts.has(host)) return { url, signed: false }
  if (policy.httpsHosts.has(url.hostname.toLowerCase()))
    throw new MediaRejectedError(`${url.hostname} is fetched over https only`)
  throw new MediaRejectedError(`host ${host} is not on the allow-list`)
}
