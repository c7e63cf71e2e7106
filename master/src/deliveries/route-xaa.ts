import { ownValue } from '@tweetbot/common/own'
import {
  XAA_KNOWN_TYPES,
  type XaaEvent,
  xaaDmPayloadSchema,
  xaaEventSchema,
  xaaIncludesSchema,
  xaaPostSchema,
  xaaPostToTweetJob,
  xaaUserRef,
} from '../x/xaa-payload.ts'
import { routeDm } from './route-dm.ts'
import type { DeliveryVerdict, EventDecision } from './types.ts'
import { firstIssue, ignored, MAX_EVENTS_PER_DELIVERY, rejected } from './types.ts'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * True when the body is an X Activity delivery: `data.event_type`. X documents `data` as one
 * object; an array of them is accepted too, as other XAA clients do defensively.
 */
export const isXaaDelivery = (body: Json): boolean => {
  const data = body.data
  if (isObject(data)) return 'event_type' in data
  return (
    Array.isArray(data) && data.length > 0 && data.every((d) => isObject(d) && 'event_type' in d)
  )
}

const routeDms = (event: XaaEvent, botId: string): EventDecision[] => {
  const kind = 'dm.received'
  const payload = xaaDmPayloadSchema.safeParse(event.payload)
  if (!payload.success) return [rejected('xaa', kind, firstIssue(payload.error))]
  const users = payload.data.users
  return payload.data.direct_message_events.map((item) =>
    routeDm(item, {
      api: 'xaa',
      kind,
      botId,
      senderRef: (senderId) => xaaUserRef(senderId, ownValue(users, senderId)),
    }),
  )
}

const routePost = (event: XaaEvent, kind: string, botId: string): EventDecision => {
  const post = xaaPostSchema.safeParse(event.payload)
  if (!post.success) return rejected('xaa', kind, firstIssue(post.error))
  if (post.data.author_id === botId) return ignored('xaa', kind, 'written by the bot')
  // `includes` only add the author's names and media URLs; a bad one is dropped, not fatal.
  const includes = xaaIncludesSchema.safeParse(event.includes ?? {})
  const job = xaaPostToTweetJob(post.data, includes.success ? includes.data : {}, botId)
  return { api: 'xaa', kind, outcome: 'route', queue: 'tweet', eventId: post.data.id, job }
}

const routeEvent = (raw: unknown): EventDecision[] => {
  const parsed = xaaEventSchema.safeParse(raw)
  if (!parsed.success) return [rejected('xaa', 'other', firstIssue(parsed.error))]
  const event = parsed.data
  const type = event.event_type
  const kind = XAA_KNOWN_TYPES.has(type) ? type : 'other'
  const botId = event.filter?.user_id
  if (type === 'dm.received')
    return botId ? routeDms(event, botId) : [rejected('xaa', kind, 'no filter.user_id')]
  if (type === 'post.mention.create' || type === 'post.reply.create')
    return botId ? [routePost(event, kind, botId)] : [rejected('xaa', kind, 'no filter.user_id')]
  // chat.* is end-to-end encrypted (unreadable without the account's keys) but billed: count it.
  return [ignored('xaa', kind, 'not answered')]
}

/** Events one XAA event stands for: each DM of a `dm.*` payload counts, anything else is one. */
const eventCount = (raw: unknown): number => {
  const payload = isObject(raw) ? raw.payload : undefined
  const dms = isObject(payload) ? payload.direct_message_events : undefined
  return Array.isArray(dms) ? Math.max(1, dms.length) : 1
}

/** X Activity routing: `dm.received` → chat, `post.mention|reply.create` → tweet, rest ignored. */
export const routeXaa = (body: Json): DeliveryVerdict => {
  const events = Array.isArray(body.data) ? body.data : [body.data]
  if (events.reduce((sum: number, e) => sum + eventCount(e), 0) > MAX_EVENTS_PER_DELIVERY)
    return { ok: false, reason: `more than ${MAX_EVENTS_PER_DELIVERY} events in one delivery` }
  return { ok: true, api: 'xaa', decisions: events.flatMap(routeEvent) }
}
