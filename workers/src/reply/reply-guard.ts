import type { Connection } from '@tweetbot/common/queue'
import { replyMarkKey } from '@tweetbot/common/reply-marks'

export { replyMarkKey }

/**
 * What the guard and the throttle send to Redis: the queue's fail-fast connection, whose `eval`
 * runs a script by EVALSHA (loading it once), so a job sends no Lua source.
 */
export type RedisCommands = Pick<Connection, 'send' | 'eval'>

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'already-sent' }
  /** Claimed at `since` (epoch ms) by an attempt that never finished. */
  | { state: 'in-doubt'; since: number }

export interface ReplyGuard {
  /**
   * True when X accepted a reply for this event. A claim in doubt is not settled: the handler
   * must ask X (see `claim`), so it does not count here.
   */
  isSettled(eventId: string): Promise<boolean>
  /**
   * Atomically takes the right to reply (SET NX). `already-sent`: a reply went out before.
   * `in-doubt`: an earlier attempt claimed it and never finished (its worker died while sending,
   * or its X call timed out); whether X got that reply is unknown until X is asked.
   */
  claim(eventId: string): Promise<ClaimResult>
  /**
   * Takes over an in-doubt claim made at `since` once X said the reply is not there. False when
   * the mark changed meanwhile (another attempt took it over, or it was sent): do not send.
   */
  reclaim(eventId: string, since: number): Promise<boolean>
  /** The reply was accepted by X (or formed, in load-testing mode). */
  markSent(eventId: string): Promise<void>
  /** The send failed in a way that means nothing was posted: a retry may send again. */
  release(eventId: string): Promise<void>
}

export interface ReplyGuardOptions {
  redis: RedisCommands
  /** Usually `(id) => replyMarkKey(prefix, queue, id)`. */
  keyFor: (eventId: string) => string
  /** How long the mark is kept; longer than X's redelivery and replay windows. */
  ttlSeconds: number
}

const SENDING = 'sending:'
const SENT = 'sent'

// Take the mark if it is free, else say what holds it, in one step: with a separate GET, a mark
// released or expired in between read as null, i.e. "in doubt since 1970", and settling that
// doubt asked X for any reply since the epoch.
const CLAIM = {
  name: 'replyClaim',
  source: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return '' end
  return redis.call('GET', KEYS[1])`,
}

// Compare-and-set: only the attempt that saw this exact in-doubt claim may take it over.
const RECLAIM = {
  name: 'replyReclaim',
  source: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`,
}

/** The time in a `sending:<ms>` mark; a mark we cannot read counts as made just now, never 1970. */
const sendingSince = (mark: string, now: number) => {
  const ms = Number(mark.slice(SENDING.length))
  return mark.startsWith(SENDING) && Number.isSafeInteger(ms) && ms > 0 ? ms : now
}

/**
 * Each event gets at most one reply, also when its job is redelivered after a crash: the key
 * `{prefix}:replied:{queue}:{eventId}` is set to `sending:<ms>` just before the X call and to
 * `sent` right after. A worker that dies in between, or an X call that gets no answer, leaves the
 * event `in-doubt`; the handler then asks X whether the reply exists (see workers/README.md).
 */
export const createReplyGuard = (opts: ReplyGuardOptions): ReplyGuard => {
  const { redis } = opts
  const ttl = String(opts.ttlSeconds)
  return {
    isSettled: async (eventId) => (await redis.send('GET', [opts.keyFor(eventId)])) === SENT,
    claim: async (eventId) => {
      const now = Date.now()
      const held = await redis.eval(CLAIM, [opts.keyFor(eventId)], [`${SENDING}${now}`, ttl])
      if (held === '') return { state: 'claimed' }
      if (held === SENT) return { state: 'already-sent' }
      return { state: 'in-doubt', since: sendingSince(String(held), now) }
    },
    reclaim: async (eventId, since) => {
      const key = opts.keyFor(eventId)
      const now = `${SENDING}${Date.now()}`
      return (await redis.eval(RECLAIM, [key], [`${SENDING}${since}`, now, ttl])) === 1
    },
    markSent: async (eventId) => {
      await redis.send('SET', [opts.keyFor(eventId), SENT, 'EX', ttl])
    },
    release: async (eventId) => {
      await redis.send('DEL', [opts.keyFor(eventId)])
    },
  }
}
