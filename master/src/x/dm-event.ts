import type { ChatJob } from '@tweetbot/common/jobs'
import { z } from 'zod'
import { createdAtField, xIdSchema } from './ids.ts'
import { withoutTrailingMediaLinks } from './media-links.ts'

/** A v1.1 media entity, as tweets and DMs both carry it. */
export const legacyMediaSchema = z.object({
  id_str: z.string().max(32).optional(),
  type: z.string().max(32).default('photo'),
  media_url_https: z.string().min(1).max(2048),
  /** The t.co link the text ends with. */
  url: z.string().max(2048).optional(),
})

/**
 * A legacy DM event (`direct_message_events[]`). The Account Activity API and the X Activity
 * API's `dm.*` events share this shape; only the `users` map around it differs.
 * @see https://docs.x.com/x-api/account-activity/introduction
 */
const urlEntitySchema = z.object({
  url: z.string().max(2048),
  expanded_url: z.string().max(4096).optional(),
})

export const dmMessageCreateSchema = z.object({
  sender_id: xIdSchema,
  target: z.object({ recipient_id: xIdSchema }),
  message_data: z.object({
    text: z.string().max(20_000),
    entities: z.object({ urls: z.array(urlEntitySchema).max(100).optional() }).optional(),
    attachment: z.object({ type: z.string().optional(), media: legacyMediaSchema }).optional(),
  }),
})

export const dmEventSchema = z.object({
  type: z.string().max(64),
  id: xIdSchema,
  created_timestamp: z.string().max(32).optional(),
  message_create: dmMessageCreateSchema.optional(),
})
export type DmEvent = z.output<typeof dmEventSchema>
export type DmMessageCreate = z.output<typeof dmMessageCreateSchema>

/** Who sent it, as far as the delivery's `users` map tells. */
export interface UserRef {
  id: string
  screenName?: string
  name?: string
}

/** A user ref with only the names X gave (an empty name is left out). */
export const userRef = (id: string, screenName?: string, name?: string): UserRef => ({
  id,
  ...(screenName ? { screenName } : {}),
  ...(name ? { name } : {}),
})

/**
 * The DM's own words: when it carries media, X appends the media's t.co link to the text;
 * workers answer about the photo, so the link is dropped.
 */
export const dmTextWithoutMediaLink = (data: DmMessageCreate['message_data']): string => {
  const mediaLink =
    data.attachment?.media.url ??
    data.entities?.urls?.findLast((u) => u.expanded_url?.includes('/messages/media/'))?.url
  const text = withoutTrailingMediaLinks(data.text, [mediaLink])
  // Nothing cut: the DM keeps its words as sent, trailing space included.
  return text.length < data.text.trimEnd().length ? text : data.text
}

/** A `message_create` DM event as a chat job (the caller has decided it is worth answering). */
export const dmEventToChatJob = (
  event: DmEvent & { message_create: DmMessageCreate },
  ctx: { api: 'aaa' | 'xaa'; botId: string; sender: UserRef },
): ChatJob => {
  const data = event.message_create.message_data
  const media = data.attachment
    ? [
        {
          url: data.attachment.media.media_url_https,
          type: data.attachment.media.type,
          ...(data.attachment.media.id_str ? { mediaKey: data.attachment.media.id_str } : {}),
        },
      ]
    : []
  return {
    kind: 'dm',
    api: ctx.api,
    botId: ctx.botId,
    eventId: event.id,
    text: dmTextWithoutMediaLink(data),
    media,
    // XAA documents no photo DM; when it carries none, the worker asks GET /2/dm_events/{id}.
    needsMediaLookup: ctx.api === 'xaa' && media.length === 0,
    ...createdAtField(event.created_timestamp),
    sender: ctx.sender,
  }
}
