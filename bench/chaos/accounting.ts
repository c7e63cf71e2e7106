/**
 * The chaos suite's bookkeeping, pure: from what the driver sent, what the fake X API recorded
 * and what the dead lists hold, work out per scenario how many events were accepted, answered,
 * lost, answered twice or buried, and how long the stack took to settle after a fault.
 */
import { replyTarget } from '@tweetbot/testing/fake-x-api'

import { percentile } from '../stats.ts'

export type QueueName = 'chat' | 'tweet'

/** One event the driver delivered (with X-like retries). */
export interface SentEvent {
  eventId: string
  queue: QueueName
  /** DM sender / tweet author: a DM reply is addressed to it, so it must be unique per event. */
  senderId: string
  firstPostAt: number
  /** When the master first answered 2xx; undefined when every delivery attempt failed. */
  acceptedAt?: number
  /** The event was made to fail (e.g. its photo is a 404): burial is the right outcome. */
  expectBury?: boolean
}

/** One reply request the fake X API received. */
export interface ReplyRecord {
  queue: QueueName
  /** DM: the recipient id; tweet: the `in_reply_to_tweet_id`. */
  target: string
  /** What the fake answered (0: never answered). */
  status: number
  at: number
  /** Answered only after the worker's X timeout: the worker saw a failure, X posted anyway. */
  late?: boolean
}

export interface DeadRecord {
  queue: QueueName
  eventId: string
  lastError?: string
  failedAt?: number
}

export interface AccountingInput {
  events: readonly SentEvent[]
  replies: readonly ReplyRecord[]
  dead: readonly DeadRecord[]
  /**
   * Events whose reply mark is still `sending`: a worker died between claiming the reply and X
   * receiving it, so the guard gives no reply rather than risk a second (workers' documented window).
   */
  inDoubt?: ReadonlySet<string>
  /** End of the fault: recovery is measured from here. */
  faultEndAt?: number
  /** Burial with a matching reason is a correct outcome too (e.g. a dependency down past the retry budget). */
  expectedBuryReason?: RegExp
}

export interface Accounting {
  sent: number
  accepted: number
  /** Events X gave up on: every delivery attempt answered non-2xx or timed out. */
  givenUp: number
  /** Accepted events with at least one reply X accepted. */
  replied: number
  /** Accepted events with no reply, not in a dead list, not in doubt. */
  lost: number
  lostIds: string[]
  /** Accepted events answered more than once. */
  duplicated: number
  /** Of those, the ones explained by the documented window (extra replies all answered late). */
  duplicatedInWindow: number
  /** Accepted events in a dead list and never answered. */
  buried: number
  /** Buried although nothing made them fail on purpose. */
  buriedUnexpected: number
  /** Reason → count (normalised so similar errors group). */
  buriedReasons: Record<string, number>
  inDoubt: number
  /** Accepted events that are replied, buried or in doubt. */
  settled: number
  /** ms from `faultEndAt` until every event accepted before it was settled; undefined if some never were. */
  recoveryMs?: number
  /** ms from first delivery to first accepted reply, over replied events. */
  latencyP50Ms?: number
  latencyP99Ms?: number
}

const key = (queue: QueueName, id: string) => `${queue}:${id}`

/** Groups dead-list errors: digits, ids and URLs vary per job, the reason does not. */
export const normaliseReason = (err: string | undefined): string =>
  (err ?? 'unknown')
    .replace(/https?:\/\/\S+/g, '<url>')
    .replace(/\d{5,}/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80)

export const account = (input: AccountingInput): Accounting => {
  const accepted = input.events.filter((e) => e.acceptedAt !== undefined)
  const byTarget = new Map<string, ReplyRecord[]>()
  for (const r of input.replies) {
    if (r.status < 200 || r.status >= 300) continue
    const k = key(r.queue, r.target)
    const list = byTarget.get(k)
    if (list) list.push(r)
    else byTarget.set(k, [r])
  }
  const deadById = new Map<string, DeadRecord>()
  for (const d of input.dead) deadById.set(key(d.queue, d.eventId), d)

  const out: Accounting = {
    sent: input.events.length,
    accepted: accepted.length,
    givenUp: input.events.length - accepted.length,
    replied: 0,
    lost: 0,
    lostIds: [],
    duplicated: 0,
    duplicatedInWindow: 0,
    buried: 0,
    buriedUnexpected: 0,
    buriedReasons: {},
    inDoubt: 0,
    settled: 0,
  }
  const latencies: number[] = []
  let lastSettle = input.faultEndAt
  let unsettledBeforeFaultEnd = false

  for (const e of accepted) {
    const target = e.queue === 'chat' ? e.senderId : e.eventId
    const replies = (byTarget.get(key(e.queue, target)) ?? []).sort((a, b) => a.at - b.at)
    const dead = deadById.get(key(e.queue, e.eventId))
    let settledAt: number | undefined
    if (replies.length > 0) {
      out.replied++
      settledAt = replies[0]!.at
      latencies.push(settledAt - e.firstPostAt)
      if (replies.length > 1) {
        out.duplicated++
        // In the window when every reply but one was posted by X after the worker gave up on it.
        if (replies.filter((r) => r.late).length >= replies.length - 1) out.duplicatedInWindow++
      }
    } else if (dead) {
      out.buried++
      if (!e.expectBury && !input.expectedBuryReason?.test(dead.lastError ?? ''))
        out.buriedUnexpected++
      const reason = normaliseReason(dead.lastError)
      out.buriedReasons[reason] = (out.buriedReasons[reason] ?? 0) + 1
      settledAt = dead.failedAt ?? e.acceptedAt
    } else if (input.inDoubt?.has(e.eventId)) {
      out.inDoubt++
      settledAt = e.acceptedAt
    } else {
      out.lost++
      out.lostIds.push(e.eventId)
    }
    if (settledAt !== undefined) out.settled++
    if (input.faultEndAt !== undefined && e.acceptedAt! <= input.faultEndAt) {
      if (settledAt === undefined) unsettledBeforeFaultEnd = true
      else if (lastSettle === undefined || settledAt > lastSettle) lastSettle = settledAt
    }
  }
  latencies.sort((a, b) => a - b)
  out.latencyP50Ms = percentile(latencies, 50)
  out.latencyP99Ms = percentile(latencies, 99)
  if (input.faultEndAt !== undefined && !unsettledBeforeFaultEnd && lastSettle !== undefined)
    out.recoveryMs = Math.max(0, lastSettle - input.faultEndAt)
  return out
}

/** The fields of a fake-X request that say which event a reply answers. */
export interface XRequestLike {
  method: string
  path: string
  json?: unknown
  status: number
  at: number
}

/** Maps a recorded X request to the reply it is, or undefined when it is not a reply. */
export const replyRecordOf = (r: XRequestLike, late = false): ReplyRecord | undefined => {
  const to = replyTarget(r)
  return to && { ...to, status: r.status, at: r.at, late }
}
