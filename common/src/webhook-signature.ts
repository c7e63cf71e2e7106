/**
 * X webhook signatures: CRC response tokens and `x-twitter-webhooks-signature` both are
 * `sha256=` + base64(HMAC-SHA256(consumer secret, message)). Web Crypto only, so the same code
 * runs on Bun and on edge runtimes.
 * @see https://docs.x.com/x-api/webhooks/introduction
 */
const encoder = new TextEncoder()
const keyCache = new Map<string, Promise<CryptoKey>>()

const hmacKey = (secret: string) => {
  let key = keyCache.get(secret)
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    keyCache.set(secret, key)
  }
  return key
}

const toBytes = (message: string | Uint8Array): Uint8Array<ArrayBuffer> =>
  typeof message === 'string' ? encoder.encode(message) : new Uint8Array(message)

// btoa/atob rather than Buffer: edge runtimes (Vercel Edge, Deno) have no Buffer.
const bytesToBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const base64ToBytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** base64(HMAC-SHA256(secret, message)). */
export const hmacSha256Base64 = async (secret: string, message: string | Uint8Array) => {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), toBytes(message))
  return bytesToBase64(new Uint8Array(mac))
}

/** The `x-twitter-webhooks-signature` value for a body (also what the CRC answers, for a token). */
export const signWebhookBody = async (secret: string, body: string | Uint8Array) =>
  `sha256=${await hmacSha256Base64(secret, body)}`

/** A well-formed signature header: `sha256=` + base64 of 32 bytes (group 1: the base64). */
export const WEBHOOK_SIGNATURE_FORMAT = /^sha256=([A-Za-z0-9+/]{43}=)$/

/**
 * True when `header` is the signature of the exact `body` bytes. The comparison runs in constant
 * time: `crypto.subtle.verify` compares MACs without an early exit.
 */
export const verifyWebhookSignature = async (
  secret: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): Promise<boolean> => {
  const match = header ? WEBHOOK_SIGNATURE_FORMAT.exec(header.trim()) : null
  if (!match?.[1]) return false
  const sent = base64ToBytes(match[1])
  if (sent.length !== 32) return false
  return crypto.subtle.verify('HMAC', await hmacKey(secret), sent, toBytes(body))
}
