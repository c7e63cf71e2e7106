import { Agent } from 'node:https'
import { TwitterApi } from 'twitter-api-v2'

/** How a worker answers: by DM to the sender, or in the thread of the mentioning tweet. */
export interface Replier {
  sendDm(recipientId: string, text: string): Promise<void>
  replyToTweet(tweetId: string, text: string): Promise<void>
}

export interface XReplierOptions {
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
 * Replies through twitter-api-v2, signed as the bot (OAuth 1.0a user context). The library has
 * no base-URL option, so a plugin rewrites each request's origin before it is signed; it sends
 * through Node's https module, hence a custom Agent to trust a test CA.
 * @see https://docs.x.com/x-api/direct-messages/manage/api-reference/post-dm_conversations-with-participant_id-messages
 * @see https://docs.x.com/x-api/posts/manage-tweets/api-reference/post-tweets
 */
export const createXReplier = (opts: XReplierOptions): Replier => {
  const base = opts.baseUrl.replace(/\/$/, '')
  const client = new TwitterApi(opts.keys, {
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
  return {
    sendDm: async (recipientId, text) => {
      await client.v2.sendDmToParticipant(recipientId, { text })
    },
    replyToTweet: async (tweetId, text) => {
      await client.v2.reply(text, tweetId)
    },
  }
}

/** FLT_LOAD_TESTING_MODE: nothing goes to X; the reply "takes" as long as X usually does. */
export const createLoadTestReplier = (delayMs: number): Replier => ({
  sendDm: () => Bun.sleep(delayMs),
  replyToTweet: () => Bun.sleep(delayMs),
})
