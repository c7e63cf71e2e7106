import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'

/** 415 unless the request says its body is JSON (X sends `application/json`). */
export const requireJson = (): MiddlewareHandler =>
  async function requireJson(c, next) {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/json')
      throw new HTTPException(415, { message: 'content-type must be application/json' })
    await next()
  }
