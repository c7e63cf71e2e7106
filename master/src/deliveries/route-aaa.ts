import { ownValue } from '@tweetbot/common/own'
import {
  AAA_EVENT_KEYS,
  aaaTweetSchema,
  aaaTweetToTweetJob,
  aaaUserSchema,
  isRetweet,
  toUserRef,
  tweetMentions,
} from '../x/aaa-payload.ts'
import { xIdSchema } from '../x/ids.ts'
import { routeDm } from './route-dm.ts'
import type { DeliveryVerdict, EventDecision } from './types.ts'
import { firstIssue, ignored, MAX_EVENTS_PER_DELIVERY, rejected } from './types.ts'

const KNOWN_KEYS = new Set<string>(AAA_EVENT_KEYS)
type Json = Record<string, unknown>

/** A key that holds events: a documented one, or any other `*_events`. */
const isEventKey = (key: string) => KNOWN_KEYS.has(key) || key.endsWith('_events')

/** True when the body looks like an Account Activity delivery (`for_user_id` or an event key). */
export const isAaaDelivery = (body: Json): boolean =>
  'for_user_id' in body || Object.keys(body).some(isEventKey)

/** Metric label for an event key: `tweet_create_events` → `tweet_create`; unknown keys → `other`. */
const kindOf = (key: string) => (KNOWN_KEYS.has(key) ? key.replace(/_events$/, '') : 'other')

const routeAaaDm = (item: unknown, botId: string | undefined, users: Json): EventDecision => {
  const kind = 'direct_message'
  if (!botId) return rejected('aaa', kind, 'no for_user_id')
  return routeDm(item, {
    api: 'aaa',
    kind,
    botId,
    senderRef: (senderId) => {
      const user = aaaUserSchema.safeParse(ownValue(users, senderId))
      return toUserRef(senderId, user.success ? user.data : undefined)
    },
  })
}

const routeTweet = (item: unknown, botId: string | undefined): EventDecision => {
  const kind = 'tweet_create'
  const parsed = aaaTweetSchema.safeParse(item)
  if (!parsed.success) return rejected('aaa', kind, firstIssue(parsed.error))
  const tweet = parsed.data
  if (!botId) return rejected('aaa', kind, 'no for_user_id')
  if (tweet.user.id_str === botId) return ignored('aaa', kind, 'written by the bot')
  if (isRetweet(tweet)) return ignored('aaa', kind, 'retweet')
  if (!tweetMentions(tweet, botId)) return ignored('aaa', kind, 'does not mention the bot')
  const job = aaaTweetToTweetJob(tweet, botId)
  return { api: 'aaa', kind, outcome: 'route', queue: 'tweet', eventId: tweet.id_str, job }
}

/**
 * Account Activity routing, for the bot in `for_user_id`: DMs from others → chat, tweets that
 * mention the bot (not by the bot, not retweets) → tweet, every other event → ignored.
 */
export const routeAaa = (body: Json): DeliveryVerdict => {
  let botId: string | undefined
  if (body.for_user_id !== undefined) {
    const id = xIdSchema.safeParse(body.for_user_id)
    if (!id.success) return { ok: false, reason: 'for_user_id is not an id' }
    botId = id.data
  }
  const users = (typeof body.users === 'object' && body.users) || {}
  const events = Object.entries(body)
    .filter(([key, value]) => isEventKey(key) && Array.isArray(value))
    .reduce((sum, [, value]) => sum + (value as unknown[]).length, 0)
  if (events > MAX_EVENTS_PER_DELIVERY)
    return { ok: false, reason: `more than ${MAX_EVENTS_PER_DELIVERY} events in one delivery` }
  const decisions: EventDecision[] = []
  for (const [key, value] of Object.entries(body)) {
    if (!isEventKey(key)) continue
    const kind = kindOf(key)
    if (key === 'user_event') {
      decisions.push(ignored('aaa', kind, 'app revoke'))
      continue
    }
    if (!Array.isArray(value)) {
      decisions.push(rejected('aaa', kind, `${key} is not an array`))
      continue
    }
    for (const item of value) {
      if (key === 'direct_message_events') decisions.push(routeAaaDm(item, botId, users as Json))
      else if (key === 'tweet_create_events') decisions.push(routeTweet(item, botId))
      else decisions.push(ignored('aaa', kind, 'not answered'))
    }
  }
  return { ok: true, api: 'aaa', decisions }
}
