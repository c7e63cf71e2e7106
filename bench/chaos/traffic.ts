import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { dmDelivery, mentionDelivery } from '@tweetbot/testing/deliveries'
import type { SentEvent } from './accounting.ts'

/**
 * A steady stream of signed deliveries (DMs and mentions alternately, each with its own event id
 * and sender), delivered the way X does: a non-2xx answer or no answer within `timeoutMs` is a
 * failed delivery, tried again after each of `retryDelaysMs`, then given up.
 */
export interface TrafficOptions {
  webhookUrl: string
  consumerSecret: string
  botId: string
  /** Events per second. */
  rate: number
  /** Where event number `n` points its photo; `expectBury` marks events made to fail. */
  media: (n: number) => { url: string; expectBury?: boolean }
  /** X's redelivery schedule after a failed delivery (legacy AAA: 3 tries over minutes). */
  retryDelaysMs: readonly number[]
  /** X counts a delivery as failed when the answer takes longer (3 s at X). */
  timeoutMs: number
  /** First event id; ids count up from it, so every run and scenario uses fresh ones. */
  idBase: bigint
}

export interface Traffic {
  events: SentEvent[]
  /** Master answers by status ('timeout' and 'error' for no answer). */
  answers: Map<string, number>
  /** Stops making new events and waits for deliveries still being retried. */
  stop(): Promise<void>
}

/** Posts one signed body; the status, or 'timeout' / 'error' when there was none. */
export const postSigned = async (
  url: string,
  body: string,
  signature: string | undefined,
  timeoutMs: number,
): Promise<number | 'timeout' | 'error'> => {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-twitter-webhooks-signature': signature } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    })
    await res.arrayBuffer().catch(() => undefined)
    return res.status
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'timeout' : 'error'
  }
}

export const startTraffic = (opts: TrafficOptions): Traffic => {
  const events: SentEvent[] = []
  const answers = new Map<string, number>()
  const deliveries = new Set<Promise<void>>()
  let stopped = false
  let n = 0

  const deliver = async (event: SentEvent, body: string) => {
    const signature = await signWebhookBody(opts.consumerSecret, body)
    for (let attempt = 0; attempt <= opts.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await Bun.sleep(opts.retryDelaysMs[attempt - 1]!)
      const status = await postSigned(opts.webhookUrl, body, signature, opts.timeoutMs)
      answers.set(String(status), (answers.get(String(status)) ?? 0) + 1)
      if (typeof status === 'number' && status >= 200 && status < 300) {
        event.acceptedAt = Date.now()
        return
      }
    }
  }

  const next = () => {
    const i = n++
    const eventId = String(opts.idBase + BigInt(i))
    // A sender per event: DM replies are addressed to the sender, so this maps a reply back.
    const senderId = String(opts.idBase + 500_000_000n + BigInt(i))
    const media = opts.media(i)
    const dm = i % 2 === 0
    const body = JSON.stringify(
      dm
        ? dmDelivery({ botId: opts.botId, senderId, eventId, mediaUrl: media.url })
        : mentionDelivery({
            botId: opts.botId,
            authorId: senderId,
            tweetId: eventId,
            mediaUrl: media.url,
          }),
    )
    const event: SentEvent = {
      eventId,
      queue: dm ? 'chat' : 'tweet',
      senderId,
      firstPostAt: Date.now(),
      ...(media.expectBury ? { expectBury: true } : {}),
    }
    events.push(event)
    const p = deliver(event, body).finally(() => deliveries.delete(p))
    deliveries.add(p)
  }

  const start = performance.now()
  const pacer = (async () => {
    while (!stopped) {
      const due = start + (n / opts.rate) * 1000
      const wait = due - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      if (!stopped) next()
    }
  })()

  return {
    events,
    answers,
    stop: async () => {
      stopped = true
      await pacer
      await Promise.all([...deliveries])
    },
  }
}
