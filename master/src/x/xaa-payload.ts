import type { TweetJob } from '@tweetbot/common/jobs'
import { z } from 'zod'
import { type UserRef, userRef } from './dm-event.ts'
import { xIdSchema } from './ids.ts'
import { withoutTrailingMediaLinks } from './media-links.ts'
import { mentionJob } from './mention-job.ts'

/**
 * X Activity API (XAA) deliveries: one event per body, `{ data: { event_type, filter, payload,
 * includes } }`. The documented naming drift is accepted: `includes.tweets` / `includes.posts`,
 * users flat or wrapped in `{ data }`.
 * @see https://docs.x.com/x-api/activity/event-payloads
 */

export const XAA_CHAT_TYPES = ['dm.received'] as const
export const XAA_TWEET_TYPES = ['post.mention.create', 'post.reply.create'] as const

/** Event types named in metrics as themselves; anything else is counted as `other`. */
export const XAA_KNOWN_TYPES = new Set<string>([
  ...XAA_CHAT_TYPES,
  ...XAA_TWEET_TYPES,
  'dm.sent',
  'dm.read',
  'dm.indicate_typing',
  'chat.received',
  'chat.sent',
  'chat.conversation.join',
  'chat.conversation_join',
  'post.create',
  'post.delete',
  'post.quote.create',
  'post.repost.create',
  'like.create',
  'oauth.revoke',
])

const userV2Schema = z.object({
  id: z.string().max(32).optional(),
  username: z.string().max(64).optional(),
  name: z.string().max(256).optional(),
})
/** A v2 user, flat or wrapped in `{ data }` (both appear in X's samples); output is flat. */
export const xaaUserSchema = z
  .union([z.object({ data: userV2Schema }), userV2Schema])
  .transform((u) => ('data' in u ? u.data : u))
export type XaaUser = z.output<typeof xaaUserSchema>

export const xaaUserRef = (id: string, user: XaaUser | undefined): UserRef =>
  userRef(id, user?.username, user?.name)

/** The envelope; `payload` and `includes` are validated per event type. */
export const xaaEventSchema = z.object({
  event_uuid: z.string().max(64).optional(),
  event_type: z.string().min(1).max(128),
  tag: z.string().max(256).optional(),
  filter: z.object({ user_id: xIdSchema.optional() }).optional(),
  payload: z.unknown().optional(),
  includes: z.unknown().optional(),
})
export type XaaEvent = z.output<typeof xaaEventSchema>

/** `dm.received` / `dm.sent`: the legacy DM shape, with v2 users and no `apps`. */
export const xaaDmPayloadSchema = z.object({
  direct_message_events: z.array(z.unknown()).max(100),
  users: z.record(z.string().max(32), xaaUserSchema).optional(),
})

/** `post.*.create`: a v2 Post; the author is in `includes.users`. */
export const xaaPostSchema = z.object({
  id: xIdSchema,
  author_id: xIdSchema,
  text: z.string().max(100_000).default(''),
  created_at: z.string().max(64).optional(),
  attachments: z.object({ media_keys: z.array(z.string().max(64)).max(10).optional() }).optional(),
  entities: z
    .object({
      urls: z
        .array(z.object({ url: z.string().max(2048), media_key: z.string().max(64).optional() }))
        .max(100)
        .optional(),
    })
    .optional(),
})
export type XaaPost = z.output<typeof xaaPostSchema>

const xaaMediaSchema = z.object({
  media_key: z.string().max(64),
  type: z.string().max(32).default('photo'),
  url: z.string().max(2048).optional(),
  preview_image_url: z.string().max(2048).optional(),
})

export const xaaIncludesSchema = z
  .object({
    users: z.array(xaaUserSchema).max(100).optional(),
    media: z.array(xaaMediaSchema).max(20).optional(),
  })
  .default({})
export type XaaIncludes = z.output<typeof xaaIncludesSchema>

/** The post's text without the trailing t.co links of its media (as for AAA tweets). */
const postTextWithoutMediaLinks = (post: XaaPost): string =>
  withoutTrailingMediaLinks(
    post.text,
    (post.entities?.urls ?? []).map((u) => (u.media_key ? u.url : undefined)),
  )

/**
 * A mention or reply as a tweet job. Media come from `attachments.media_keys` +
 * `includes.media` when XAA fills them; otherwise the worker looks the post up.
 */
export const xaaPostToTweetJob = (
  post: XaaPost,
  includes: XaaIncludes,
  botId: string,
): TweetJob => {
  const author = includes.users?.find((u) => u.id === post.author_id)
  const media = (post.attachments?.media_keys ?? []).flatMap((key) => {
    const m = includes.media?.find((x) => x.media_key === key)
    const url = m?.url ?? m?.preview_image_url
    return m && url ? [{ url, type: m.type, mediaKey: key }] : []
  })
  return mentionJob(post.id, post.created_at, {
    api: 'xaa',
    botId,
    text: postTextWithoutMediaLinks(post),
    media,
    needsMediaLookup: media.length === 0,
    author: xaaUserRef(post.author_id, author),
    isRetweet: false,
  })
}
