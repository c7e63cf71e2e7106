// twitter-api-v2 does not export its OAuth 1.0a signer from the package root; the helper file
// is a stable part of the published build (no "exports" map restricts it).
import { OAuth1Helper } from 'twitter-api-v2/dist/cjs/client-mixins/oauth1.helper.js'

export interface OAuth1Keys {
  appKey: string
  appSecret: string
  accessToken: string
  accessSecret: string
}

/** Returns the `Authorization` header for a GET of `url`, signed as the bot (DM media on ton.*). */
export type RequestSigner = (method: string, url: string) => Record<string, string>

/**
 * Signs with the bot's user-context keys, as X requires for DM media since 2018.
 * @see https://developer.x.com/en/docs/x-api/v1/direct-messages/message-attachments/guides/retrieving-media
 */
export const createOAuth1Signer = (keys: OAuth1Keys): RequestSigner => {
  const helper = new OAuth1Helper({ consumerKeys: { key: keys.appKey, secret: keys.appSecret } })
  return (method, url) =>
    helper.toHeader(
      helper.authorize({ method, url }, { key: keys.accessToken, secret: keys.accessSecret }),
    )
}
