import type { DeliveryAttempt, MessageKind, PayloadApi } from './messages.ts'
import {
  dmDelivery,
  mentionDelivery,
  postSignedDelivery,
  xaaDmDelivery,
  xaaMentionDelivery,
} from './x-testing.ts'

export interface DeliveryInput {
  kind: MessageKind
  api: PayloadApi
  botId: string
  /** DM event id or tweet id. */
  eventId: string
  userId: string
  text: string
  /** Where the workers download the photo (AAA carries it; XAA makes them look it up). */
  photoUrl?: string
}

/**
 * The delivery X would send for one message. Account Activity payloads carry the photo URL;
 * X Activity payloads only reference it (media key, or the DM's t.co link), so the worker asks
 * the sandbox's fake X for it, as it would ask X.
 */
export const buildDelivery = (d: DeliveryInput): unknown => {
  const screenName = `sandbox${d.userId.slice(-4)}`
  if (d.api === 'aaa')
    return d.kind === 'dm'
      ? dmDelivery({
          botId: d.botId,
          senderId: d.userId,
          eventId: d.eventId,
          text: d.text,
          mediaUrl: d.photoUrl,
          senderScreenName: screenName,
        })
      : mentionDelivery({
          botId: d.botId,
          authorId: d.userId,
          tweetId: d.eventId,
          text: d.text,
          mediaUrl: d.photoUrl,
        })
  return d.kind === 'dm'
    ? xaaDmDelivery({
        botId: d.botId,
        senderId: d.userId,
        eventId: d.eventId,
        text: d.text,
        mediaLink: d.photoUrl !== undefined,
        senderScreenName: screenName,
      })
    : xaaMentionDelivery({
        botId: d.botId,
        authorId: d.userId,
        postId: d.eventId,
        text: d.text,
        mediaKeys: d.photoUrl ? [`3_${d.eventId}`] : undefined,
      })
}

/** POSTs `body` to the master's webhook signed with the consumer secret, as X does. */
export const postDelivery = async (
  webhookUrl: string,
  consumerSecret: string,
  body: string,
): Promise<DeliveryAttempt> => {
  const at = Date.now()
  const t0 = performance.now()
  const res = await postSignedDelivery(webhookUrl, consumerSecret, body, {
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  const ms = performance.now() - t0
  let answer: unknown = text
  try {
    answer = JSON.parse(text)
  } catch {}
  return { at, ms, status: res.status, answer }
}
