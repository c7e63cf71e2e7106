import {
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_FORMAT as WELL_FORMED,
} from '@tweetbot/common/webhook-signature'
import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { MasterEnv } from '../env.ts'

/** Checks a signature header against the raw body bytes; must compare in constant time. */
export type SignatureVerifier = (
  body: Uint8Array,
  header: string | undefined,
) => boolean | Promise<boolean>

export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature'

/**
 * 401 unless `x-twitter-webhooks-signature` is the HMAC of the raw body bytes (read by
 * `bodyLimit`) under the consumer secret. Runs before any parsing: unsigned bytes are never
 * interpreted. The comparison is constant time: Web Crypto `verify` by default (any runtime);
 * the Bun entry passes the faster node:crypto `verify` with the same acceptance rule.
 * @see https://docs.x.com/x-api/webhooks/introduction
 */
export const webhookSignature = (
  secret: string,
  onFailure: (reason: 'missing' | 'malformed' | 'mismatch') => void = () => {},
  verify: SignatureVerifier = (body, header) => verifyWebhookSignature(secret, body, header),
): MiddlewareHandler<MasterEnv> => {
  if (!secret) throw new Error('webhookSignature: consumer secret is empty')
  return async function webhookSignature(c, next) {
    const header = c.req.header(SIGNATURE_HEADER)
    if (!(await verify(c.get('rawBody'), header))) {
      onFailure(!header ? 'missing' : WELL_FORMED.test(header.trim()) ? 'mismatch' : 'malformed')
      throw new HTTPException(401, { message: 'bad or missing signature' })
    }
    await next()
  }
}
