/**
 * How many unauthenticated body bytes the master holds at once, over all requests. A body must
 * be read whole before its signature can be checked, so without this bound anyone could make
 * the master hold `connections × WEBHOOK_MAX_BODY_BYTES`.
 *
 * X's deliveries are a few KiB, while a client stalling on purpose declares large bodies. So a
 * body past `SMALL_BODY_BYTES` may fill only the first `LARGE_BODY_SHARE` of the budget: the rest
 * stays for small bodies, and a good delivery still gets in while large stalled bodies hold
 * their whole share (at 16 MiB: 48 stalled 256 KiB bodies, and still room for 128 of 32 KiB).
 * Single-threaded: no locking needed.
 */
export interface BodyBudget {
  readonly limitBytes: number
  /** Bytes taken right now. */
  readonly inUseBytes: number
  /**
   * Takes `bytes` for a request whose body reaches `requestBytes` with them, when they fit;
   * false (nothing taken) when they do not.
   */
  take(bytes: number, requestBytes: number): boolean
  /** Gives back bytes taken earlier. */
  give(bytes: number): void
}

/** Bodies up to this size may use the whole budget. */
export const SMALL_BODY_BYTES = 32 * 1024
/** The part of the budget larger bodies may fill. */
export const LARGE_BODY_SHARE = 0.75

export const createBodyBudget = (limitBytes: number): BodyBudget => {
  if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0)
    throw new Error(`createBodyBudget: limitBytes must be a positive integer, got ${limitBytes}`)
  const largeCeiling = Math.floor(limitBytes * LARGE_BODY_SHARE)
  let inUse = 0
  return {
    limitBytes,
    get inUseBytes() {
      return inUse
    },
    take(bytes, requestBytes) {
      const ceiling = requestBytes > SMALL_BODY_BYTES ? largeCeiling : limitBytes
      if (inUse + bytes > ceiling) return false
      inUse += bytes
      return true
    },
    give(bytes) {
      inUse = Math.max(0, inUse - bytes)
    },
  }
}
