import dmTemplate from '../fake_dm.json'
import tweetTemplate from '../fake_tweet.json'
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

type DmUser = (typeof dmTemplate.users)['2222222222222222222']
export type DmPayload = Omit<typeof dmTemplate, 'users'> & { users: Record<string, DmUser> }
export type TweetPayload = typeof tweetTemplate

const BOT_ID = dmTemplate.for_user_id
const BOT_USER: DmUser = dmTemplate.users['1111111111111111111']

/** The bot id the fake payloads are addressed to (`for_user_id`). */
export const fakeBotId = (): string => BOT_ID

/** A synthetic sender; a pool of them makes per-user logic in workers see many users. */
export const syntheticSender = (n: number) => ({
  id: String(3_000_000_000_000_000_000n + BigInt(n)),
  screenName: `load_tester_${n}`,
  name: `Load Tester ${n}`,
})

/** `fake_dm.json` with fresh ids, sender and photo. The template is never mutated. */
export const makeDmPayload = (v: EventVariant): DmPayload => {
  const p: DmPayload = structuredClone(dmTemplate)
  const event = p.direct_message_events[0]!
  event.id = v.eventId
  event.created_timestamp = String(Date.now())
  event.message_create.sender_id = v.sender.id
  const data = event.message_create.message_data
  const media = data.attachment.media
  const url = mediaUrl(v.mediaBaseUrl, v.photo)
  media.id = Number(v.mediaId)
  media.id_str = v.mediaId
  media.media_url = url
  media.media_url_https = url
  media.expanded_url = `https://twitter.com/messages/media/${v.eventId}`
  data.entities.urls[0]!.expanded_url = media.expanded_url
  const template = dmTemplate.users['2222222222222222222']
  p.users = {
    [v.sender.id]: {
      ...template,
      id: v.sender.id,
      screen_name: v.sender.screenName,
      name: v.sender.name,
    },
    [BOT_ID]: BOT_USER,
  }
  return p
}

/** v1.1's `created_at` format: `Thu Nov 28 00:00:00 +0000 2026`. */
export const twitterDate = (d: Date) =>
  d.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, '$1 $3 $2 $5 +0000 $4')

/** `fake_tweet.json` (a mention of the bot with a photo) with fresh ids, author and photo. */
export const makeTweetPayload = (v: EventVariant): TweetPayload => {
  const p = structuredClone(tweetTemplate)
  const tweet = p.tweet_create_events[0]!
  tweet.id = Number(v.eventId)
  tweet.id_str = v.eventId
  tweet.timestamp_ms = String(Date.now())
  tweet.created_at = twitterDate(new Date())
  tweet.user.id = Number(v.sender.id)
  tweet.user.id_str = v.sender.id
  tweet.user.screen_name = v.sender.screenName
  tweet.user.name = v.sender.name
  const url = mediaUrl(v.mediaBaseUrl, v.photo)
  for (const media of [...tweet.entities.media, ...tweet.extended_entities.media]) {
    media.id = Number(v.mediaId)
    media.id_str = v.mediaId
    media.media_url = url
    media.media_url_https = url
    media.expanded_url = `https://twitter.com/${v.sender.screenName}/status/${v.eventId}/photo/1`
  }
  return p
}

export const makePayload = (kind: PayloadKind, v: EventVariant): DmPayload | TweetPayload =>
  kind === 'dm' ? makeDmPayload(v) : makeTweetPayload(v)
