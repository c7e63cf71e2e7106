import type { TwitterApi } from 'twitter-api-v2'
import { z } from 'zod'

/** How a worker answers: by DM to the sender, or in the thread of the mentioning tweet. */
export interface Replier {
  sendDm(recipientId: string, text: string): Promise<void>
  replyToTweet(tweetId: string, text: string): Promise<void>
  /**
   * For a reply left in doubt by a crash: true when the bot sent `recipientId` a DM at or after
   * `since` (epoch ms), false when it did not. Absent when it cannot be known.
   */
  dmSentSince?(botId: string, recipientId: string, since: number): Promise<boolean>
  /** True when sending twice does no harm (load-testing mode: nothing leaves the process). */
  readonly harmlessToRepeat?: boolean
}

const dmEventsSchema = z.object({
  data: z
    .array(z.object({ sender_id: z.string().optional(), created_at: z.string().optional() }))
    .optional(),
})

// X's created_at has second precision, and clocks differ: allow a little slack.
const CLOCK_SLACK_MS = 5_000

/**
 * Replies through twitter-api-v2's v2 endpoints. A v2 reply is threaded by
 * `reply.in_reply_to_tweet_id`, so no "@user" prefix is needed.
 * @see https://docs.x.com/x-api/direct-messages/manage/api-reference/post-dm_conversations-with-participant_id-messages
 * @see https://docs.x.com/x-api/posts/manage-tweets/api-reference/post-tweets
 */
export const createXReplier = (client: TwitterApi): Replier => ({
  sendDm: async (recipientId, text) => {
    await client.v2.sendDmToParticipant(recipientId, { text })
  },
  replyToTweet: async (tweetId, text) => {
    await client.v2.reply(text, tweetId)
  },
  /** @see https://docs.x.com/x-api/direct-messages/lookup/api-reference/get-dm_conversations-with-participant_id-dm_events */
  dmSentSince: async (botId, recipientId, since) => {
    const body = await client.v2.get(`dm_conversations/with/${recipientId}/dm_events`, {
      'dm_event.fields': 'sender_id,created_at',
      event_types: 'MessageCreate',
      max_results: 50,
    })
    const events = dmEventsSchema.parse(body).data ?? []
    return events.some(
      (e) =>
        e.sender_id === botId &&
        e.created_at !== undefined &&
        Date.parse(e.created_at) >= since - CLOCK_SLACK_MS,
    )
  },
})

/** FLT_LOAD_TESTING_MODE: nothing goes to X; the reply "takes" as long as X usually does. */
export const createLoadTestReplier = (delayMs: number): Replier => ({
  sendDm: () => Bun.sleep(delayMs),
  replyToTweet: () => Bun.sleep(delayMs),
  harmlessToRepeat: true,
})
