import { xApiSettings } from '@tweetbot/common/x-api'
import { TwitterApi } from 'twitter-api-v2'

export interface XApiClientOptions {
  keys: { appKey: string; appSecret: string; accessToken: string; accessSecret: string }
  /** `https://api.x.com` in production; a fake X server on loopback in tests. */
  baseUrl: string
  /** Extra CA certificate (PEM) to trust beside the public roots, e.g. the fake X server's. */
  ca?: string
  timeoutMs: number
}

/** twitter-api-v2 signed as the bot (OAuth 1.0a user context), with the project's X settings. */
export const createXApiClient = (opts: XApiClientOptions): TwitterApi =>
  new TwitterApi(
    opts.keys,
    xApiSettings({ baseUrl: opts.baseUrl, ca: opts.ca, timeoutMs: opts.timeoutMs }),
  )
