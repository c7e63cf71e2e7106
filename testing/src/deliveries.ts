/**
 * Account Activity deliveries as X sends them (v1.1 JSON shapes, also used by AAA v2), for
 * end-to-end tests, benches and the chaos suite. Ids are strings, like X's `*_str` fields.
 * @see ../../docs/x-webhooks.md §4 (AAA bodies)
 */

import { nextXId } from './x-ids.ts'

export { nextXId }

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
}) => {
  const withLink = o.linked ? `${o.text} ${o.link}` : o.text
  const expandedUrl = `https://twitter.com/messages/media/${o.id}`
  const indices = [o.text.length + 1, withLink.length]
  const attachment = o.mediaUrl
    ? {
        attachment: {
          type: 'media',
          media: {
            id_str: nextXId(),
            type: o.mediaType ?? 'photo',
            media_url_https: o.mediaUrl,
            url: o.link,
            expanded_url: expandedUrl,
            indices,
          },
        },
      }
    : {}
  const urls = o.linked
    ? [
        {
          url: o.link,
          expanded_url: expandedUrl,
          display_url: `pic.twitter.com/${o.link.slice(o.link.lastIndexOf('/') + 1)}`,
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
}

/** `{ for_user_id, direct_message_events: [message_create], users }` */
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
    }),
  ],
  users: {
    [o.senderId]: {
      id: o.senderId,
      name: o.senderScreenName ?? `user ${o.senderId}`,
      screen_name: o.senderScreenName ?? `user${o.senderId}`,
    },
    [o.botId]: { id: o.botId, name: 'Image Bot', screen_name: 'imagebot' },
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
  const media = o.mediaUrl
    ? [
        {
          id_str: nextXId(),
          media_url_https: o.mediaUrl,
          url: 'https://t.co/TestMedia2',
          type: 'photo',
        },
      ]
    : undefined
  const tweet = {
    created_at: new Date().toUTCString(),
    id_str: id,
    text,
    truncated: false,
    in_reply_to_status_id_str: null,
    in_reply_to_user_id_str: null,
    user: { id_str: o.authorId, screen_name: `user${o.authorId}`, name: `user ${o.authorId}` },
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
