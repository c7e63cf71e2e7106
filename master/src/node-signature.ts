import { createHmac, timingSafeEqual } from 'node:crypto'
import { WEBHOOK_SIGNATURE_FORMAT } from '@tweetbot/common/webhook-signature'
import type { SignatureVerifier } from './middleware/webhook-signature.ts'

/**
 * The webhook signature check on node:crypto, for the Bun entry (`main.ts`). It accepts exactly
 * what `verifyWebhookSignature` (Web Crypto, used on edge runtimes) accepts, but costs ~2 µs per
 * 2 KiB body instead of ~17 µs, which is most of the master's per-request budget. The MACs are
 * compared with `timingSafeEqual`, after the lengths are known equal (32 bytes both).
 */
export const nodeSignatureVerifier = (secret: string): SignatureVerifier => {
  if (!secret) throw new Error('nodeSignatureVerifier: consumer secret is empty')
  return (body, header) => {
    const match = header ? WEBHOOK_SIGNATURE_FORMAT.exec(header.trim()) : null
    if (!match?.[1]) return false
    const sent = Buffer.from(match[1], 'base64')
    if (sent.length !== 32) return false
    return timingSafeEqual(sent, createHmac('sha256', secret).update(body).digest())
  }
}
