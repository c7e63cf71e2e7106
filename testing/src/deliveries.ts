/**
 * Account Activity deliveries as X sends them (v1.1 JSON shapes, also used by AAA v2), for
 * end-to-end tests, benches and the chaos suite. Ids are strings, like X's `*_str` fields.
 * @see ../../docs/x-webhooks.md §4 (AAA bodies)
 */

import { nextXId } from './x-ids.ts'

export { nextXId }

/** v1.1's `created_at` format: `Thu Nov 28 00:00:00 +0000 2026`. */
export const twitterDate = (d: Date) =>
  d.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, '$1 $3 $2 $5 +0000 $4')

/** The size variants X lists for every photo. */
const PHOTO_SIZES = {
  thumb: { w: 150, h: 150, resize: 'crop' },
  small: { w: 680, h: 510, resize: 'fit' },
  medium: { w: 1200, h: 900, resize: 'fit' },
  large: { w: 1600, h: 1200, resize: 'fit' },
}

/** The app X names as a DM's `source_app_id` (AAA deliveries carry the `apps` map). */
const WEB_APP = { id: '268278', name: 'Twitter Web Client', url: 'https://twitter.com' }

const displayUrl = (link: string) => `pic.twitter.com/${link.slice(link.lastIndexOf('/') + 1)}`

/** A v1.1 user object as AAA embeds it (DM `users` map, tweet `user`). */
const v1User = (id: string, screenName: string, name: string) => ({
  id_str: id,
  name,
  screen_name: screenName,
  protected: false,
  verified: false,
  followers_count: 42,
  friends_count: 17,
  statuses_count: 1234,
  created_at: 'Tue May 13 16:53:20 +0000 2014',
  default_profile: true,
})

/**
 * The legacy `message_create` DM event both APIs carry. With a photo (or `linked`), X appends the
 * media's t.co link to the text and lists it in `entities.urls`.
 */
const messageCreateEvent = (o: {
  id: string
  senderId: string
  recipientId: string
  text: string
  /** The t.co link appended to the text. */
  link: string
  linked: boolean
  mediaUrl?: string
  mediaType?: string
  mediaId?: string
}) => {
  const withLink = o.linked ? `${o.text} ${o.link}` : o.text
  const expandedUrl = `https://twitter.com/messages/media/${o.id}`
  const indices = [o.text.length + 1, withLink.length]
  const attachment = o.mediaUrl
    ? {
        attachment: {
          type: 'media',
          media: {
            id_str: o.mediaId ?? nextXId(),
            type: o.mediaType ?? 'photo',
            media_url: o.mediaUrl,
            media_url_https: o.mediaUrl,
            url: o.link,
            display_url: displayUrl(o.link),
            expanded_url: expandedUrl,
            indices,
            sizes: PHOTO_SIZES,
          },
        },
      }
    : {}
  const urls = o.linked
    ? [
        {
          url: o.link,
          expanded_url: expandedUrl,
          display_url: displayUrl(o.link),
          indices,
        },
      ]
    : []
  return {
    type: 'message_create',
    id: o.id,
    created_timestamp: String(Date.now()),
    message_create: {
      target: { recipient_id: o.recipientId },
      sender_id: o.senderId,
      message_data: {
        text: withLink,
        entities: { hashtags: [], symbols: [], user_mentions: [], urls },
        ...attachment,
      },
    },
  }
}

export interface DmDeliveryOptions {
  botId: string
  senderId: string
  /** Default: a fresh id. */
  eventId?: string
  text?: string
  /** A photo attachment; the t.co link X appends is added to the text, as X does. */
  mediaUrl?: string
  mediaType?: 'photo' | 'animated_gif' | 'video'
  senderScreenName?: string
  senderName?: string
  /** The photo's media id. Default: a fresh id. */
  mediaId?: string
}

/** `{ for_user_id, direct_message_events: [message_create], apps, users }` */
export const dmDelivery = (o: DmDeliveryOptions) => ({
  for_user_id: o.botId,
  direct_message_events: [
    messageCreateEvent({
      id: o.eventId ?? nextXId(),
      senderId: o.senderId,
      recipientId: o.senderId === o.botId ? '1' : o.botId,
      text: o.text ?? 'what is this?',
      link: 'https://t.co/TestMedia1',
      linked: Boolean(o.mediaUrl),
      mediaUrl: o.mediaUrl,
      mediaType: o.mediaType,
      mediaId: o.mediaId,
    }),
  ].map((e) => ({
    ...e,
    message_create: { ...e.message_create, source_app_id: WEB_APP.id },
  })),
  apps: { [WEB_APP.id]: WEB_APP },
  users: {
    [o.senderId]: {
      id: o.senderId,
      ...v1User(
        o.senderId,
        o.senderScreenName ?? `user${o.senderId}`,
        o.senderName ?? o.senderScreenName ?? `user ${o.senderId}`,
      ),
    },
    [o.botId]: { id: o.botId, ...v1User(o.botId, 'imagebot', 'Image Bot') },
  },
})

export interface MentionDeliveryOptions {
  botId: string
  authorId: string
  /** The tweet id (= event id). Default: a fresh id. */
  tweetId?: string
  text?: string
  mediaUrl?: string
  /** Adds `retweeted_status`: X's shape of a retweet of a mention. */
  retweet?: boolean
  botScreenName?: string
  authorScreenName?: string
  authorName?: string
  /** The photo's media id. Default: a fresh id. */
  mediaId?: string
}

/** `{ for_user_id, tweet_create_events: [tweet mentioning the bot] }` */
export const mentionDelivery = (o: MentionDeliveryOptions) => {
  const id = o.tweetId ?? nextXId()
  const bot = o.botScreenName ?? 'imagebot'
  const text = `@${bot} ${o.text ?? 'what is this?'}`
  const mention = {
    screen_name: bot,
    name: 'Image Bot',
    id_str: o.botId,
    indices: [0, bot.length + 1],
  }
  const author = o.authorScreenName ?? `user${o.authorId}`
  const link = 'https://t.co/TestMedia2'
  const media = o.mediaUrl
    ? [
        {
          id_str: o.mediaId ?? nextXId(),
          indices: [text.length + 1, text.length + 1 + link.length],
          media_url: o.mediaUrl,
          media_url_https: o.mediaUrl,
          url: link,
          display_url: displayUrl(link),
          expanded_url: `https://twitter.com/${author}/status/${id}/photo/1`,
          type: 'photo',
          sizes: PHOTO_SIZES,
        },
      ]
    : undefined
  const tweet = {
    created_at: twitterDate(new Date()),
    id_str: id,
    text: media ? `${text} ${link}` : text,
    display_text_range: [0, text.length],
    truncated: false,
    in_reply_to_status_id_str: null,
    in_reply_to_user_id_str: null,
    user: v1User(o.authorId, author, o.authorName ?? `user ${o.authorId}`),
    is_quote_status: false,
    entities: {
      hashtags: [],
      urls: [],
      symbols: [],
      user_mentions: [mention],
      ...(media ? { media } : {}),
    },
    ...(media ? { extended_entities: { media } } : {}),
    ...(o.retweet
      ? {
          retweeted_status: { id_str: nextXId(), text, user: { id_str: '1', screen_name: 'orig' } },
        }
      : {}),
  }
  return { for_user_id: o.botId, user_has_blocked: false, tweet_create_events: [tweet] }
}

export interface XaaMentionOptions {
  botId: string
  authorId: string
  /** The post id (= event id). Default: a fresh id. */
  postId?: string
  text?: string
  /** Media keys on the post; their URLs are NOT included, so the worker must look them up. */
  mediaKeys?: string[]
}

/**
 * An X Activity API `post.mention.create` delivery (`{ data: { event_type, filter, payload,
 * includes } }`) whose photo is only referenced by media key: the case where the job carries
 * `needsMediaLookup` and the worker reads the post back from X.
 * @see ../../docs/x-webhooks.md §5 (XAA bodies)
 */
export const xaaMentionDelivery = (o: XaaMentionOptions) => {
  const id = o.postId ?? nextXId()
  const text = `@imagebot ${o.text ?? 'what is this?'}`
  return {
    data: {
      event_uuid: nextXId(),
      event_type: 'post.mention.create',
      tag: 'mentions',
      filter: { user_id: o.botId },
      payload: {
        id,
        author_id: o.authorId,
        conversation_id: id,
        text,
        created_at: new Date().toISOString(),
        entities: { mentions: [{ start: 0, end: 9, username: 'imagebot', id: o.botId }] },
        ...(o.mediaKeys ? { attachments: { media_keys: o.mediaKeys } } : {}),
        edit_history_tweet_ids: [id],
      },
      includes: { users: [{ id: o.authorId, username: `user${o.authorId}`, name: 'Someone' }] },
    },
  }
}

export interface XaaDmOptions {
  botId: string
  /** The user talking to the bot: the sender of `dm.received`, the recipient of `dm.sent`. */
  senderId: string
  /** The DM id (the same id the Account Activity API uses). Default: a fresh id. */
  eventId?: string
  text?: string
  /**
   * An AAA-style `message_data.attachment` (X documents no photo `dm.received`, so this is a
   * guess at its shape). Leave it out for the documented case: the photo is only behind the
   * DM's t.co link (`mediaLink`) and the worker must ask `GET /2/dm_events/{id}`.
   */
  mediaUrl?: string
  /** Appends a t.co media link to the text, as X does for DMs with a photo. */
  mediaLink?: boolean
  /** `dm.sent` is the bot's own DM (sender = bot); default `dm.received`. */
  eventType?: 'dm.received' | 'dm.sent'
  senderScreenName?: string
}

/**
 * An X Activity API `dm.received` (or `dm.sent`) delivery: the legacy DM event inside
 * `{ data: { event_type, filter: { user_id: bot }, payload } }`, with `users` as v2 user objects
 * wrapped in `{ data }` and no `apps` / `for_user_id`, as in X's documented example.
 * @see ../../docs/x-webhooks.md §5 (XAA bodies)
 */
export const xaaDmDelivery = (o: XaaDmOptions) => {
  const eventType = o.eventType ?? 'dm.received'
  const otherId = o.senderId
  const fromBot = eventType === 'dm.sent'
  return {
    data: {
      event_uuid: `-${nextXId()}`,
      event_type: eventType,
      tag: fromBot ? 'dm-outbound' : 'dm-inbound',
      filter: { user_id: o.botId },
      payload: {
        direct_message_events: [
          messageCreateEvent({
            id: o.eventId ?? nextXId(),
            senderId: fromBot ? o.botId : o.senderId,
            recipientId: fromBot ? o.senderId : o.botId,
            text: o.text ?? 'what is this?',
            link: 'https://t.co/TestMedia3',
            linked: o.mediaUrl !== undefined || o.mediaLink === true,
            mediaUrl: o.mediaUrl,
          }),
        ],
        users: {
          [otherId]: {
            data: {
              id: otherId,
              username: o.senderScreenName ?? `user${otherId}`,
              name: o.senderScreenName ?? `user ${otherId}`,
            },
          },
          [o.botId]: { data: { id: o.botId, username: 'imagebot', name: 'Image Bot' } },
        },
      },
    },
  }
}
