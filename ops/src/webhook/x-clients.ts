import { readFileSync } from 'node:fs'
import { xApiSettings } from '@tweetbot/common/x-api'
import { TwitterApi } from 'twitter-api-v2'
import type { WebhookCliEnv } from '../config.ts'

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

/** The extra CA the CLI is told to trust (TWITTER_CA_FILE), read with a clear error. */
const readCaFile = (caFile: string | undefined) => {
  if (!caFile) return undefined
  try {
    return readFileSync(caFile, 'utf8')
  } catch (err) {
    throw new MissingCredentialsError(
      `TWITTER_CA_FILE: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    )
  }
}

const missing = (names: string[], why: string) =>
  new MissingCredentialsError(`${why}: set ${names.join(' and ')}`)

export const createXClients = (env: WebhookCliEnv): XClients => {
  const baseUrl = env.TWITTER_API_BASE_URL.replace(/\/+$/, '')
  const settings = xApiSettings({
    baseUrl,
    ca: readCaFile(env.TWITTER_CA_FILE),
    keepAlive: false,
  })
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
