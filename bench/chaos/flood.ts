import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { dmDelivery } from '@tweetbot/testing/deliveries'
import { postSigned } from './traffic.ts'

/** Kinds of bad request the flood mixes, in turn. */
export const BAD_KINDS = ['unsigned', 'bad-signature', 'malformed', 'oversized'] as const
export type BadKind = (typeof BAD_KINDS)[number]

export interface Flood {
  /** Answers by kind, then by status ('timeout' / 'error' for none). */
  answers: Record<BadKind, Map<string, number>>
  sent: number
  stop(): Promise<void>
}

/**
 * Bad requests at `rate`/s, at most `maxInFlight` at once (so the flood loads the master, not the
 * driver): deliveries without a signature or with a wrong one, signed bodies that are not JSON,
 * and signed bodies past the master's size limit.
 */
export const startFlood = async (opts: {
  webhookUrl: string
  consumerSecret: string
  botId: string
  rate: number
  oversizedBytes: number
  timeoutMs: number
  maxInFlight?: number
}): Promise<Flood> => {
  const valid = JSON.stringify(dmDelivery({ botId: opts.botId, senderId: '666', text: 'flood' }))
  const malformed = '{"for_user_id": "1", "direct_message_events": [ {"type": "message_cr'
  const oversized = JSON.stringify({
    for_user_id: opts.botId,
    padding: 'x'.repeat(opts.oversizedBytes),
  })
  const bodies: Record<BadKind, { body: string; signature?: string }> = {
    unsigned: { body: valid },
    'bad-signature': { body: valid, signature: `sha256=${'A'.repeat(43)}=` },
    malformed: {
      body: malformed,
      signature: await signWebhookBody(opts.consumerSecret, malformed),
    },
    oversized: {
      body: oversized,
      signature: await signWebhookBody(opts.consumerSecret, oversized),
    },
  }
  const answers = Object.fromEntries(
    BAD_KINDS.map((k) => [k, new Map<string, number>()]),
  ) as Record<BadKind, Map<string, number>>
  const maxInFlight = opts.maxInFlight ?? 64
  const inFlight = new Set<Promise<void>>()
  let stopped = false
  let n = 0
  const start = performance.now()
  const loop = (async () => {
    while (!stopped) {
      const wait = start + (n / opts.rate) * 1000 - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight)
      if (stopped) break
      const kind = BAD_KINDS[n++ % BAD_KINDS.length]!
      const { body, signature } = bodies[kind]
      const p = postSigned(opts.webhookUrl, body, signature, opts.timeoutMs).then((status) => {
        const m = answers[kind]
        m.set(String(status), (m.get(String(status)) ?? 0) + 1)
        inFlight.delete(p)
      })
      inFlight.add(p)
    }
  })()
  return {
    answers,
    get sent() {
      return n
    },
    stop: async () => {
      stopped = true
      await loop
      await Promise.all([...inFlight])
    },
  }
}
