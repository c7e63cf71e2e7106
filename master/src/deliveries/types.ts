import type { BotJob } from '@tweetbot/common/jobs'
import type { QueueName } from '@tweetbot/common/queue/producer'

export type Api = 'aaa' | 'xaa'

/**
 * Most events one delivery may carry, for both APIs: XAA's `dm.received` schema caps its
 * `direct_message_events` at 100, and AAA deliveries are held to the same number (a body over it
 * is refused whole, 400), so one signed body can never queue thousands of billed replies.
 */
export const MAX_EVENTS_PER_DELIVERY = 100

/** What happens to one event of a delivery; decided purely from the payload. */
export type EventDecision =
  | { api: Api; kind: string; outcome: 'route'; queue: QueueName; eventId: string; job: BotJob }
  | { api: Api; kind: string; outcome: 'ignored'; reason: string }
  | { api: Api; kind: string; outcome: 'stale'; eventId: string; ageSec: number }
  | { api: Api; kind: string; outcome: 'rejected'; reason: string }

/** A whole delivery: either not a webhook payload at all (400), or one decision per event. */
export type DeliveryVerdict =
  | { ok: true; api: Api; decisions: EventDecision[] }
  | { ok: false; reason: string }

export const ignored = (api: Api, kind: string, reason: string): EventDecision => ({
  api,
  kind,
  outcome: 'ignored',
  reason,
})

export const rejected = (api: Api, kind: string, reason: string): EventDecision => ({
  api,
  kind,
  outcome: 'rejected',
  reason,
})

/** First zod issue as `path: message`, for logs (never the offending value). */
export const firstIssue = (error: { issues: { path: PropertyKey[]; message: string }[] }) => {
  const issue = error.issues[0]
  return issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid'
}
