import { dmDelivery, mentionDelivery } from '@tweetbot/testing/deliveries'
import { mediaUrl } from './media-catalog.ts'

export type PayloadKind = 'dm' | 'tweet'

/** What varies between two generated events. */
export interface EventVariant {
  /** DM event id or tweet id: the id the master dedupes on. */
  eventId: string
  mediaId: string
  /** Base URL of the load-test media server, e.g. http://127.0.0.1:9100 */
  mediaBaseUrl: string
  photo: string
  sender: { id: string; screenName: string; name: string }
}

const BOT_ID = '1111111111111111111'

/** The bot id the fake payloads are addressed to (`for_user_id`). */
export const fakeBotId = (): string => BOT_ID

/** A synthetic sender; a pool of them makes per-user logic in workers see many users. */
export const syntheticSender = (n: number) => ({
  id: String(3_000_000_000_000_000_000n + BigInt(n)),
  screenName: `load_tester_${n}`,
  name: `Load Tester ${n}`,
})

/**
 * One signed-ready Account Activity delivery, built by the same builders as every test's
 * deliveries (`@tweetbot/testing/deliveries`): a DM with a photo attachment, or a mention of the
 * bot with the photo in `entities.media` and `extended_entities.media`, pointing at the
 * load-test media server.
 */
export const makePayload = (kind: PayloadKind, v: EventVariant) => {
  const url = mediaUrl(v.mediaBaseUrl, v.photo)
  return kind === 'dm'
    ? dmDelivery({
        botId: BOT_ID,
        senderId: v.sender.id,
        senderScreenName: v.sender.screenName,
        senderName: v.sender.name,
        eventId: v.eventId,
        text: 'what is in this picture?',
        mediaUrl: url,
        mediaId: v.mediaId,
      })
    : mentionDelivery({
        botId: BOT_ID,
        botScreenName: 'tf_tweetbot',
        authorId: v.sender.id,
        authorScreenName: v.sender.screenName,
        authorName: v.sender.name,
        tweetId: v.eventId,
        text: 'what do you see here?',
        mediaUrl: url,
        mediaId: v.mediaId,
      })
}
