import type { TwitterApi } from 'twitter-api-v2'
import { z } from 'zod'
import { callX } from './x-errors.ts'

/**
 * How a worker answers: by DM to the sender, or in the thread of the mentioning tweet. Every
 * failure is one of `x-errors.ts`'s classes, never twitter-api-v2's.
 */
export interface Replier {
  sendDm(recipientId: string, text: string): Promise<void>
  replyToTweet(tweetId: string, text: string): Promise<void>
  /**
   * For a reply left in doubt by a crash: true when the bot sent `recipientId` a DM at or after
   * `since` (epoch ms), false when it did not.
   */
  dmSentSince(botId: string, recipientId: string, since: number): Promise<boolean>
  /**
   * For a tweet reply left in doubt (crash, or an X call that got no answer): true when the bot
   * posted a reply to `tweetId` at or after `since` (epoch ms), false when it did not. Throws when
   * X cannot tell (error answer, or more of the bot's tweets since then than it pages through).
   */
  tweetRepliedSince(botId: string, tweetId: string, since: number): Promise<boolean>
  /** True when sending twice does no harm (load-testing mode: nothing leaves the process). */
  readonly harmlessToRepeat: boolean
}

const dmEventsSchema = z.object({
  data: z
    .array(z.object({ sender_id: z.string().optional(), created_at: z.string().optional() }))
    .optional(),
})

const userTweetsSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
      }),
    )
    .optional(),
  meta: z.object({ next_token: z.string().optional() }).optional(),
})

// X's created_at has second precision, and clocks differ: allow a little slack.
const CLOCK_SLACK_MS = 5_000
// 5 pages of 100: far more than the bot posts between a claim and its check.
const TIMELINE_PAGES = 5

/** X wants RFC 3339 without fractions: `2026-11-28T02:00:00Z`. */
const xTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * Replies through twitter-api-v2's v2 endpoints. A v2 reply is threaded by
 * `reply.in_reply_to_tweet_id`, so no "@user" prefix is needed.
 * @see https://docs.x.com/x-api/direct-messages/manage/api-reference/post-dm_conversations-with-participant_id-messages
 * @see https://docs.x.com/x-api/posts/manage-tweets/api-reference/post-tweets
 */
export const createXReplier = (client: TwitterApi): Replier => ({
  harmlessToRepeat: false,
  sendDm: async (recipientId, text) => {
    await callX(() => client.v2.sendDmToParticipant(recipientId, { text }))
  },
  replyToTweet: async (tweetId, text) => {
    await callX(() => client.v2.reply(text, tweetId))
  },
  /** @see https://docs.x.com/x-api/direct-messages/lookup/api-reference/get-dm_conversations-with-participant_id-dm_events */
  dmSentSince: async (botId, recipientId, since) => {
    const body = await callX(() =>
      client.v2.get(`dm_conversations/with/${recipientId}/dm_events`, {
        'dm_event.fields': 'sender_id,created_at',
        event_types: 'MessageCreate',
        max_results: 50,
      }),
    )
    const events = dmEventsSchema.parse(body).data ?? []
    return events.some(
      (e) =>
        e.sender_id === botId &&
        e.created_at !== undefined &&
        Date.parse(e.created_at) >= since - CLOCK_SLACK_MS,
    )
  },
  /**
   * The bot's own timeline since the claim, looking for a post that replies to `tweetId`. The
   * timeline (not search) because X indexes search later; `start_time` keeps it to a few pages.
   * @see https://docs.x.com/x-api/users/get-posts
   */
  tweetRepliedSince: async (botId, tweetId, since) => {
    let token: string | undefined
    for (let page = 0; page < TIMELINE_PAGES; page++) {
      const body = await callX(() =>
        client.v2.get(`users/${botId}/tweets`, {
          'tweet.fields': 'referenced_tweets,created_at',
          exclude: 'retweets',
          start_time: xTime(since - CLOCK_SLACK_MS),
          max_results: 100,
          ...(token ? { pagination_token: token } : {}),
        }),
      )
      const parsed = userTweetsSchema.parse(body)
      const replied = (parsed.data ?? []).some((t) =>
        t.referenced_tweets?.some((r) => r.type === 'replied_to' && r.id === tweetId),
      )
      if (replied) return true
      token = parsed.meta?.next_token
      if (!token) return false
    }
    throw new Error(
      `cannot tell whether tweet ${tweetId} was answered: over ${TIMELINE_PAGES * 100} posts since`,
    )
  },
})

/**
 * FLT_LOAD_TESTING_MODE: nothing goes to X; the reply "takes" as long as X usually does. A
 * repeat is harmless, so a reply in doubt is simply formed again (the checks are never asked).
 */
export const createLoadTestReplier = (delayMs: number): Replier => ({
  sendDm: () => Bun.sleep(delayMs),
  replyToTweet: () => Bun.sleep(delayMs),
  dmSentSince: async () => false,
  tweetRepliedSince: async () => false,
  harmlessToRepeat: true,
})
