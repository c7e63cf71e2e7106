import { readStreamAtMost } from '@tweetbot/common/read-stream'
import { MediaRejectedError, MediaUnavailableError } from '../errors.ts'
import { checkMediaUrl, type MediaPolicy } from './allow-list.ts'
import type { RequestSigner } from './oauth1-signer.ts'

export interface MediaFetcherOptions {
  policy: MediaPolicy
  maxBytes: number
  timeoutMs: number
  maxRedirects: number
  /** Signs requests to ton.* hosts; without it (load-testing mode) they go unsigned. */
  sign?: RequestSigner
  fetch?: typeof fetch
}

export type MediaFetcher = (url: string, signal?: AbortSignal) => Promise<Uint8Array>

/** Statuses that will not change on retry: the media is gone or not ours to read. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 410, 414, 451])

/**
 * Downloads one media file: allow-listed hosts only (re-checked on every redirect, and the
 * OAuth header is only ever sent to ton.* hosts), a byte cap enforced while reading (a lying or
 * missing Content-Length does not help), and one deadline for the whole download.
 */
export const createMediaFetcher = (opts: MediaFetcherOptions): MediaFetcher => {
  const doFetch = opts.fetch ?? fetch
  return async (rawUrl, signal) => {
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    const deadline = signal ? AbortSignal.any([signal, timeout]) : timeout
    let target = checkMediaUrl(rawUrl, opts.policy)
    for (let hop = 0; ; hop++) {
      const href = target.url.href
      let res: Response
      try {
        res = await doFetch(href, {
          redirect: 'manual',
          headers: target.signed && opts.sign ? opts.sign('GET', href) : {},
          signal: deadline,
        })
      } catch (err) {
        throw new MediaUnavailableError(
          `no answer from ${target.url.host}: ${(err as Error).message}`,
          {
            cause: err,
          },
        )
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel()
        if (hop >= opts.maxRedirects) throw new MediaRejectedError('too many redirects')
        const next = new URL(res.headers.get('location')!, target.url).href
        target = checkMediaUrl(next, opts.policy)
        continue
      }
      if (!res.ok) {
        await res.body?.cancel()
        if (PERMANENT.has(res.status))
          throw new MediaRejectedError(`media host answered ${res.status}`)
        throw new MediaUnavailableError(`media host answered ${res.status}`)
      }
      const type = res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
      if (type && !type.startsWith('image/') && type !== 'application/octet-stream') {
        await res.body?.cancel()
        throw new MediaRejectedError(`not an image (content-type ${type})`)
      }
      const declared = Number(res.headers.get('content-length') ?? Number.NaN)
      if (declared > opts.maxBytes) {
        await res.body?.cancel()
        throw new MediaRejectedError(`larger than ${opts.maxBytes} bytes (declared ${declared})`)
      }
      return readCapped(res, opts.maxBytes)
    }
  }
}

const readCapped = async (res: Response, maxBytes: number): Promise<Uint8Array> => {
  if (!res.body) return new Uint8Array(0)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readStreamAtMost(res.body, maxBytes)
  } catch (err) {
    throw new MediaUnavailableError(`download broke off: ${(err as Error).message}`, { cause: err })
  }
  if (!bytes) throw new MediaRejectedError(`larger than ${maxBytes} bytes`)
  return bytes
}
