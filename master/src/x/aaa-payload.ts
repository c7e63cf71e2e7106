import type { TweetJob } from '@tweetbot/common/jobs'
import { z } from 'zod'
import { legacyMediaSchema, type UserRef, userRef } from './dm-event.ts'
import { xIdSchema } from './ids.ts'
import { withoutTrailingMediaLinks } from './media-links.ts'
import { mentionJob } from './mention-job.ts'

/**
 * Account Activity API (AAA) delivery shapes: only the fields routing and workers use are
 * validated and kept; everything else in X's objects is dropped by zod.
 * @see https://docs.x.com/x-api/account-activity/introduction
 */

/** Every event-array key AAA documents; an unknown `*_events` key is still an AAA delivery. */
export const AAA_EVENT_KEYS = [
  'tweet_create_events',
  'favorite_events',
  'follow_events',
  'block_events',
  'mute_events',
  'direct_message_events',
  'direct_message_indicate_typing_events',
  'direct_message_mark_read_events',
  'tweet_delete_events',
  'user_event',
] as const

/** The legacy v1.1 user object, as in `users` maps and `tweet.user`. */
export const aaaUserSchema = z.object({
  id_str: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
  screen_name: z.string().max(64).optional(),
  name: z.string().max(256).optional(),
})
export type AaaUser = z.output<typeof aaaUserSchema>

export const toUserRef = (id: string, user: AaaUser | undefined): UserRef =>
  userRef(id, user?.screen_name, user?.name)

const mentionSchema = z.object({ id_str: z.string().max(32) })
const entitiesSchema = z.object({
  user_mentions: z.array(mentionSchema).max(100).optional(),
  media: z.array(legacyMediaSchema).max(10).optional(),
})
const extendedEntitiesSchema = z.object({ media: z.array(legacyMediaSchema).max(10).optional() })

/** A v1.1 tweet in compat mode, as `tweet_create_events[]` carries it. */
export const aaaTweetSchema = z.object({
  id_str: xIdSchema,
  text: z.string().max(20_000).optional(),
  full_text: z.string().max(100_000).optional(),
  truncated: z.union([z.boolean(), z.string()]).optional(),
  created_at: z.string().max(64).optional(),
  user: aaaUserSchema.omit({ id: true }).extend({ id_str: xIdSchema }),
  entities: entitiesSchema.optional(),
  extended_entities: extendedEntitiesSchema.optional(),
  extended_tweet: z
    .object({
      full_text: z.string().max(100_000),
      entities: entitiesSchema.optional(),
      extended_entities: extendedEntitiesSchema.optional(),
    })
    .optional(),
  /** Present (an object) on retweets only; its content is not needed. */
  retweeted_status: z.unknown().optional(),
})
export type AaaTweet = z.output<typeof aaaTweetSchema>

/** True when the tweet @mentions `userId`, counting mentions past char 140 (`extended_tweet`). */
export const tweetMentions = (tweet: AaaTweet, userId: string): boolean =>
  [tweet.entities?.user_mentions, tweet.extended_tweet?.entities?.user_mentions].some((list) =>
    list?.some((m) => m.id_str === userId),
  )

/** True for a retweet: it repeats someone else's tweet and is never answered. */
export const isRetweet = (tweet: AaaTweet): boolean =>
  tweet.retweeted_status !== undefined && tweet.retweeted_status !== null

/** `extended_entities` hold every photo with its true type; `entities.media` only the first. */
const tweetMedia = (tweet: AaaTweet) =>
  tweet.extended_tweet?.extended_entities?.media ??
  tweet.extended_entities?.media ??
  tweet.extended_tweet?.entities?.media ??
  tweet.entities?.media ??
  []

/** The full text (compat mode cuts `text` at 140 chars), without the trailing media link. */
export const tweetText = (tweet: AaaTweet): string =>
  withoutTrailingMediaLinks(
    tweet.extended_tweet?.full_text ?? tweet.full_text ?? tweet.text ?? '',
    tweetMedia(tweet).map((m) => m.url),
  )

/** A mention as a tweet job (the caller has decided it is worth answering). */
export const aaaTweetToTweetJob = (tweet: AaaTweet, botId: string): TweetJob =>
  mentionJob(tweet.id_str, tweet.created_at, {
    api: 'aaa',
    botId,
    text: tweetText(tweet),
    media: tweetMedia(tweet).map((m) => ({
      url: m.media_url_https,
      type: m.type,
      ...(m.id_str ? { mediaKey: m.id_str } : {}),
    })),
    needsMediaLookup: false,
    author: toUserRef(tweet.user.id_str, tweet.user),
    isRetweet: isRetweet(tweet),
  })
