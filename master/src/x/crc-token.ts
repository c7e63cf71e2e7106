/**
 * CRC hardening. The CRC answer and a POST signature are the same HMAC under the same key, so
 * answering an arbitrary `crc_token` would sign arbitrary text: anyone could then forge a
 * webhook POST whose body is that text. Only opaque, token-like values are answered.
 * @see https://docs.x.com/x-api/webhooks/introduction
 */
export const CRC_TOKEN = /^[A-Za-z0-9+/=_-]{16,128}$/

export type CrcTokenVerdict = { ok: true; token: string } | { ok: false; reason: string }

export const checkCrcToken = (token: string | undefined | null): CrcTokenVerdict => {
  if (token === undefined || token === null || token === '')
    return { ok: false, reason: 'crc_token is missing or empty' }
  if (!CRC_TOKEN.test(token))
    return {
      ok: false,
      reason: `crc_token must look like X's: 16-128 characters of [A-Za-z0-9+/=_-] (a base64-like string such as OWVjMWE4ZTUtN2Q0Mi00YjQx); got ${token.length} characters${token.length >= 16 && token.length <= 128 ? ' with others in it' : ''}`,
    }
  // The charset already excludes braces and quotes; a bare number or literal still parses.
  try {
    JSON.parse(token)
    return { ok: false, reason: 'crc_token must not be JSON' }
  } catch {
    return { ok: true, token }
  }
}
