import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { signWebhookBody, verifyWebhookSignature } from '../src/webhook-signature.ts'

const secret = 'consumer-secret'
const body = '{"for_user_id":"1","direct_message_events":[]}'
const independent = (s: string, m: string) =>
  `sha256=${createHmac('sha256', s).update(m).digest('base64')}`

describe('webhook signatures', () => {
  test('sign matches an independent node:crypto HMAC', async () => {
    expect(await signWebhookBody(secret, body)).toBe(independent(secret, body))
  })
  test('verify accepts the right signature and rejects near misses', async () => {
    const good = independent(secret, body)
    expect(await verifyWebhookSignature(secret, body, good)).toBe(true)
    expect(await verifyWebhookSignature('other', body, good)).toBe(false)
    expect(await verifyWebhookSignature(secret, `${body} `, good)).toBe(false)
    expect(await verifyWebhookSignature(secret, body, good.slice(7))).toBe(false)
    expect(await verifyWebhookSignature(secret, body, 'sha256=***')).toBe(false)
    expect(await verifyWebhookSignature(secret, body, undefined)).toBe(false)
  })
})
