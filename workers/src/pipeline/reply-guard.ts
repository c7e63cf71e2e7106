/** A Redis command sender (Bun's `RedisClient.send`, or the queue's fail-fast connection). */
export type RedisSend = (cmd: string, args: string[]) => Promise<unknown>

export type ClaimResult = 'claimed' | 'already-sent' | 'in-doubt'

export interface ReplyGuard {
  /** True when a reply for this event was sent, or may have been (see `claim`). */
  isSettled(eventId: string): Promise<boolean>
  /**
   * Atomically takes the right to reply (SET NX). `already-sent`: a reply went out before.
   * `in-doubt`: an earlier attempt claimed it and never finished (its worker died while sending);
   * whether X got that reply is unknown, and at-most-once means we do not send again.
   */
  claim(eventId: string): Promise<ClaimResult>
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

const SENDING = 'sending'
const SENT = 'sent'

/**
 * Each event gets at most one reply, also when its job is redelivered after a crash: the key
 * `{prefix}:replied:{queue}:{eventId}` is set to `sending` just before the X call and to `sent`
 * right after. The window that remains: a worker that dies between claiming and its request
 * reaching X leaves the event `in-doubt`, and it gets no reply (never a duplicate).
 */
export const createReplyGuard = (opts: ReplyGuardOptions): ReplyGuard => {
  const ttl = String(opts.ttlSeconds)
  return {
    isSettled: async (eventId) => (await opts.send('GET', [opts.keyFor(eventId)])) != null,
    claim: async (eventId) => {
      const key = opts.keyFor(eventId)
      const ok = await opts.send('SET', [key, SENDING, 'NX', 'EX', ttl])
      if (ok != null) return 'claimed'
      return (await opts.send('GET', [key])) === SENT ? 'already-sent' : 'in-doubt'
    },
    markSent: async (eventId) => {
      await opts.send('SET', [opts.keyFor(eventId), SENT, 'EX', ttl])
    },
    release: async (eventId) => {
      await opts.send('DEL', [opts.keyFor(eventId)])
    },
  }
}
