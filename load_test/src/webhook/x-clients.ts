import { readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { type IClientSettings, type ITwitterApiClientPlugin, TwitterApi } from 'twitter-api-v2'
import type { WebhookCliEnv } from '../config.ts'

/** twitter-api-v2's hard-coded API root; requests to it are redirected to the configured base. */
const X_API_ROOT = 'https://api.x.com'

/** Which credentials a call is signed with (X accepts only one kind on most of these paths). */
export type AuthKind = 'app' | 'user'

export class MissingCredentialsError extends Error {
  override name = 'MissingCredentialsError'
}

export interface XClients {
  baseUrl: string
  /** App-only (OAuth 2.0 bearer): webhook management, subscription lists. */
  app(): Promise<TwitterApi>
  /** OAuth 1.0a user context of the bot: subscribing the bot, Activity subscriptions. */
  user(): TwitterApi
  /** The bot's user id from config or the access token, without a network call. */
  knownBotUserId(): string | undefined
  /** The bot's user id; asks `GET /2/users/me` when it is not known locally. */
  botUserId(): Promise<string>
}

/**
 * Rewrites the library's fixed `https://api.x.com` to `baseUrl` before signing, so OAuth 1.0a
 * signatures cover the URL actually requested (the fake X API in tests).
 */
const baseUrlPlugin = (baseUrl: string): ITwitterApiClientPlugin => ({
  onBeforeRequestConfig({ params }) {
    if (params.url.startsWith(X_API_ROOT))
      params.url = baseUrl + params.url.slice(X_API_ROOT.length)
  },
})

/**
 * Trusts an extra CA for this client only (never NODE_TLS_REJECT_UNAUTHORIZED): `ca` replaces
 * the default roots, so the public ones are kept alongside.
 */
const agentFor = (caFile: string | undefined) => {
  if (!caFile) return undefined
  let pem: string
  try {
    pem = readFileSync(caFile, 'utf8')
  } catch (err) {
    throw new MissingCredentialsError(
      `TWITTER_CA_FILE: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    )
  }
  return new Agent({ ca: [...rootCertificates, pem], keepAlive: false })
}

const missing = (names: string[], why: string) =>
  new MissingCredentialsError(`${why}: set ${names.join(' and ')}`)

export const createXClients = (env: WebhookCliEnv): XClients => {
  const baseUrl = env.TWITTER_API_BASE_URL.replace(/\/+$/, '')
  const httpAgent = agentFor(env.TWITTER_CA_FILE)
  const settings: Partial<IClientSettings> = {
    plugins: baseUrl === X_API_ROOT ? [] : [baseUrlPlugin(baseUrl)],
    ...(httpAgent ? { httpAgent } : {}),
  }
  let app: Promise<TwitterApi> | undefined
  let user: TwitterApi | undefined
  let botId: Promise<string> | undefined

  const userClient = () => {
    const { TWITTER_CONSUMER_KEY: appKey, TWITTER_CONSUMER_SECRET: appSecret } = env
    const { TWITTER_ACCESS_TOKEN: accessToken, TWITTER_ACCESS_TOKEN_SECRET: accessSecret } = env
    if (!appKey || !appSecret || !accessToken || !accessSecret)
      throw missing(
        [
          'TWITTER_CONSUMER_KEY',
          'TWITTER_CONSUMER_SECRET',
          'TWITTER_ACCESS_TOKEN',
          'TWITTER_ACCESS_TOKEN_SECRET',
        ],
        'this call acts as the bot (OAuth 1.0a user context)',
      )
    user ??= new TwitterApi({ appKey, appSecret, accessToken, accessSecret }, settings)
    return user
  }

  const knownBotUserId = () =>
    env.TWITTER_BOT_USER_ID ?? /^(\d+)-/.exec(env.TWITTER_ACCESS_TOKEN ?? '')?.[1]

  return {
    baseUrl,
    app() {
      app ??= (async () => {
        if (env.TWITTER_BEARER_TOKEN) return new TwitterApi(env.TWITTER_BEARER_TOKEN, settings)
        const { TWITTER_CONSUMER_KEY: appKey, TWITTER_CONSUMER_SECRET: appSecret } = env
        if (!appKey || !appSecret)
          throw missing(
            ['TWITTER_BEARER_TOKEN (or TWITTER_CONSUMER_KEY', 'TWITTER_CONSUMER_SECRET)'],
            'this call uses app-only auth',
          )
        // POST /oauth2/token (client credentials) gives the app's bearer token.
        return new TwitterApi({ appKey, appSecret }, settings).appLogin()
      })()
      app.catch(() => {
        app = undefined
      })
      return app
    },
    user: userClient,
    knownBotUserId,
    botUserId() {
      const known = knownBotUserId()
      if (known) return Promise.resolve(known)
      botId ??= userClient()
        .v2.me()
        .then((me) => me.data.id)
      return botId
    },
  }
}
