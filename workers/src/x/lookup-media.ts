import type { BotJob } from '@tweetbot/common/jobs'
import type { TwitterApi } from 'twitter-api-v2'
import { z } from 'zod'
import { callX } from './x-errors.ts'

export interface MediaRef {
  url: string
  type: string
}

/** Finds the media of an event whose delivery did not carry them (X Activity API). */
export type MediaLookup = (job: BotJob) => Promise<MediaRef[]>

const lookupSchema = z.object({
  includes: z
    .object({
      media: z
        .array(
          z.object({
            type: z.string(),
            url: z.string().optional(),
            preview_image_url: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
})

const FIELDS = {
  expansions: 'attachments.media_keys',
  'media.fields': 'url,type,preview_image_url',
}

/**
 * One read per event: the post (`GET /2/tweets/:id`) or the DM event (`GET /2/dm_events/:id`)
 * with its media expanded. Photo URLs are pbs.twimg.com (posts) or ton.twitter.com (DMs).
 * @see https://docs.x.com/x-api/posts/lookup/api-reference/get-tweets-id
 */
export const createMediaLookup =
  (client: TwitterApi): MediaLookup =>
  async (job) => {
    const body = await callX(() =>
      job.kind === 'mention'
        ? client.v2.get(`tweets/${job.tweetId}`, FIELDS)
        : client.v2.get(`dm_events/${job.eventId}`, {
            ...FIELDS,
            'dm_event.fields': 'attachments,sender_id',
          }),
    )
    const parsed = lookupSchema.safeParse(body)
    if (!parsed.success) return []
    return (parsed.data.includes?.media ?? []).flatMap((m) => {
      const url = m.url ?? m.preview_image_url
      return url ? [{ url, type: m.type }] : []
    })
  }
