import { z } from 'zod'

/**
 * The one job format both queues carry, whatever API delivered the event (Account Activity
 * API or X Activity API): the master normalises at the edge, workers never see raw payloads.
 */
export const userRefSchema = z.object({
  id: z.string().min(1),
  screenName: z.string().optional(),
  name: z.string().optional(),
})

export const mediaRefSchema = z.object({
  /** Where to download it (pbs.twimg.com / ton.twitter.com in production). */
  url: z.string().min(1),
  type: z.string(),
  mediaKey: z.string().optional(),
})

const jobBase = {
  /** Which API delivered it: 'aaa' (Account Activity) or 'xaa' (X Activity). */
  api: z.enum(['aaa', 'xaa']),
  /** The bot account the event is for (`for_user_id` / `data.filter.user_id`). */
  botId: z.string().min(1),
  /** Dedupe key: the DM event id or the tweet id, identical across both APIs. */
  eventId: z.string().min(1),
  text: z.string(),
  /** Photos and other media found in the payload, in order. Empty when none or unknown. */
  media: z.array(mediaRefSchema),
  /** True when the payload did not carry media URLs and the worker must look them up (XAA). */
  needsMediaLookup: z.boolean().default(false),
  createdAt: z.string().optional(),
}

/** A direct message to the bot: reply by DM to `sender`. */
export const chatJobSchema = z.object({
  kind: z.literal('dm'),
  ...jobBase,
  sender: userRefSchema,
})

/** A tweet mentioning the bot: reply in thread to `tweetId`. */
export const tweetJobSchema = z.object({
  kind: z.literal('mention'),
  ...jobBase,
  tweetId: z.string().min(1),
  author: userRefSchema,
  isRetweet: z.boolean().default(false),
})

export type ChatJob = z.output<typeof chatJobSchema>
export type TweetJob = z.output<typeof tweetJobSchema>
export type BotJob = ChatJob | TweetJob
