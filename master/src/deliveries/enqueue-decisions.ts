import type { Logger } from '@tweetbot/common/log'
import type { QueueProducer } from '@tweetbot/common/queue/producer'
import type { MasterMetrics } from '../metrics/types.ts'
import type { EventDecision } from './types.ts'

export interface EnqueueSummary {
  queued: number
  duplicate: number
  ignored: number
  /** Older than WEBHOOK_MAX_EVENT_AGE_SEC: acknowledged and dropped, never queued. */
  stale: number
  rejected: number
  /** Routed events Redis did not acknowledge: the delivery must be answered 503. */
  failed: number
}

/**
 * Enqueues every routed event and counts every decision. Each enqueue is one atomic
 * "mark seen + push" in Redis, keyed by the event id. So when event A was queued and B failed,
 * nothing is half-written for B, and X's retry of the same delivery finds A a duplicate and
 * queues B: a 503 never loses B and never doubles A.
 */
export const enqueueDecisions = async (
  decisions: EventDecision[],
  deps: { queue: QueueProducer; metrics: MasterMetrics; logger: Logger },
): Promise<EnqueueSummary> => {
  const summary: EnqueueSummary = {
    queued: 0,
    duplicate: 0,
    ignored: 0,
    stale: 0,
    rejected: 0,
    failed: 0,
  }
  const count = (d: EventDecision, outcome: keyof EnqueueSummary) => {
    summary[outcome]++
    deps.metrics.events.inc({ api: d.api, kind: d.kind, outcome })
  }
  await Promise.all(
    decisions.map(async (d) => {
      if (d.outcome === 'ignored') return count(d, 'ignored')
      if (d.outcome === 'stale') {
        deps.logger.debug('stale event dropped', {
          api: d.api,
          eventId: d.eventId,
          ageSec: d.ageSec,
        })
        return count(d, 'stale')
      }
      if (d.outcome === 'rejected') {
        deps.logger.warn('event rejected', { api: d.api, kind: d.kind, reason: d.reason })
        return count(d, 'rejected')
      }
      try {
        const result = await deps.queue.enqueue(d.queue, d.eventId, d.job)
        deps.logger.debug('event routed', { queue: d.queue, eventId: d.eventId, result })
        count(d, result)
      } catch (err) {
        deps.logger.error('enqueue failed', { queue: d.queue, eventId: d.eventId, err })
        count(d, 'failed')
      }
    }),
  )
  return summary
}
