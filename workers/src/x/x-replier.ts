import type { TwitterApi } from 'twitter-api-v2'

/** How a worker answers: by DM to the sender, or in the thread of the mentioning tweet. */
export interface Replier {
  sendDm(recipientId: string, text: string): Promise<void>
  replyToTweet(tweetId: string, text: string): Promise<void>
}

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
})

/** FLT_LOAD_TESTING_MODE: nothing goes to X; the reply "takes" as long as X usually does. */
export const createLoadTestReplier = (delayMs: number): Replier => ({
  sendDm: () => Bun.sleep(delayMs),
  replyToTweet: () => Bun.sleep(delayMs),
})
