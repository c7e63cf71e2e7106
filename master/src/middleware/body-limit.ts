import { readStreamAtMost } from '@tweetbot/common/read-stream'
import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { MasterEnv } from '../env.ts'

const tooLarge = (max: number) =>
  new HTTPException(413, { message: `body larger than ${max} bytes` })

/**
 * Reads the body into `rawBody`, at most `maxBytes` of it. A declared Content-Length over the
 * limit is refused before reading anything; a chunked or lying body is counted as it streams
 * and the stream is cancelled at the first byte past the limit, so the rest is never read.
 */
export const bodyLimit = (maxBytes: number): MiddlewareHandler<MasterEnv> => {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
    throw new Error(`bodyLimit: maxBytes must be a positive integer, got ${maxBytes}`)
  return async function bodyLimit(c, next) {
    const declared = c.req.header('content-length')
    if (declared !== undefined) {
      if (!/^[0-9]{1,16}$/.test(declared))
        throw new HTTPException(400, { message: 'bad content-length' })
      if (Number(declared) > maxBytes) throw tooLarge(maxBytes)
    }
    c.set('rawBody', await readAtMost(c.req.raw, maxBytes, declared !== undefined))
    await next()
  }
}

const readAtMost = async (req: Request, maxBytes: number, framed: boolean): Promise<Uint8Array> => {
  if (!req.body) return new Uint8Array(0)
  if (framed) {
    // With a Content-Length (already ≤ maxBytes) the HTTP server reads exactly that many bytes,
    // so reading it whole is bounded; this is the common case and skips the per-chunk loop.
    const body = new Uint8Array(await req.arrayBuffer())
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes)
    return body
  }
  const body = await readStreamAtMost(req.body, maxBytes)
  if (!body) throw tooLarge(maxBytes)
  return body
}
