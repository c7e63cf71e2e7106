/** A Redis command sender (Bun's `RedisClient.send`, or the queue's fail-fast connection). */
export type RedisSend = (cmd: string, args: string[]) => Promise<unknown>

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'already-sent' }
  /** Claimed at `since` (epoch ms) by an attempt that never finished. */
  | { state: 'in-doubt'; since: number }

export interface ReplyGuard {
  /** True when a reply for this event was sent, or may have been (see `claim`). */
  isSettled(eventId: string): Promise<boolean>
  /**
   * Atomically takes the right to reply (SET NX). `already-sent`: a reply went out before.
   * `in-doubt`: an earlier attempt claimed it and never finished (its worker died while sending);
   * whether X got that reply is unknown, and at-most-once means we do not send again.
   */
  claim(eventId: string): Promise<ClaimResult>
  /** Takes over an in-doubt claim once it is known the reply was not sent. */
  reclaim(eventId: string): Promise<void>
  /** The reply was accepted by X (or formed, in load-testing mode). */
  markSent(eventId: string): Promise<void>
  /** The send failed in a way that means nothing was posted: a retry may send again. */
  release(eventId: string): Promise<void>
}

export interface ReplyGuardOptions {
  send: RedisSend
  /** `queueKeys(prefix, queue).replied` */
  keyFor: (eventId: string) => string
  /** How long the mark is kept; longer than X's redelivery and replay windows. */
  ttlSeconds: number
}

const SENDING = 'sending:'
const SENT = 'sent'

/**
 * Each event gets at most one reply, also when its job is redelivered after a crash: the key
 * `{prefix}:replied:{queue}:{eventId}` is set to `sending:<ms>` just before the X call and to
 * `sent` right after. A worker that dies in between leaves the event `in-doubt`; the handler
 * then asks X whether the reply exists (DMs) or gives it up (see workers/README.md).
 */
export const createReplyGuard = (opts: ReplyGuardOptions): ReplyGuard => {
  const ttl = String(opts.ttlSeconds)
  return {
    isSettled: async (eventId) => (await opts.send('GET', [opts.keyFor(eventId)])) != null,
    claim: async (eventId) => {
      const key = opts.keyFor(eventId)
      const ok = await opts.send('SET', [key, `${SENDING}${Date.now()}`, 'NX', 'EX', ttl])
      if (ok != null) return { state: 'claimed' }
      const value = String(await opts.send('GET', [key]))
      if (value === SENT) return { state: 'already-sent' }
      return { state: 'in-doubt', since: Number(value.slice(SENDING.length)) || 0 }
    },
    reclaim: async (eventId) => {
      await opts.send('SET', [opts.keyFor(eventId), `${SENDING}${Date.now()}`, 'EX', ttl])
    },
    markSent: async (eventId) => {
      await opts.send('SET', [opts.keyFor(eventId), SENT, 'EX', ttl])
    },
    release: async (eventId) => {
      await opts.send('DEL', [opts.keyFor(eventId)])
    },
  }
}
