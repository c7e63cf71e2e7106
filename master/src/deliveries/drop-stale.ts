import type { EventDecision } from './types.ts'

/** When the decision is made, and the oldest event still acted on. */
export interface EventAgePolicy {
  nowMs: number
  maxAgeSec: number
}

/**
 * Turns routed events older than `maxAgeSec` into `stale` decisions. X stamps every event
 * (AAA `created_timestamp` / `created_at`, XAA `created_at`, carried as the job's `createdAt`);
 * an event older than the dedupe window could be a captured delivery replayed once its id was
 * forgotten, so it is never queued. An event without a readable time is routed as before.
 */
export const dropStale = (decisions: EventDecision[], policy: EventAgePolicy): EventDecision[] =>
  decisions.map((d) => {
    if (d.outcome !== 'route' || !d.job.createdAt) return d
    const ageSec = Math.floor((policy.nowMs - Date.parse(d.job.createdAt)) / 1000)
    if (!(ageSec > policy.maxAgeSec)) return d
    return { api: d.api, kind: d.kind, outcome: 'stale', eventId: d.eventId, ageSec }
  })
