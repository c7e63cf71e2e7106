export type { MasterAppDeps } from './deps.ts'

import { WEBHOOK_LIMIT_DEFAULTS } from '@tweetbot/common/config'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { MasterAppDeps } from './deps.ts'
import type { MasterEnv } from './env.ts'
import { createBodyBudget } from './middleware/body-budget.ts'
import { webhookRoutes } from './routes/webhook.ts'

const ROUTES = new Set(['/webhook', '/healthz', '/readyz'])

/**
 * The master's public Hono app: the webhook and the probes. It uses only Web-standard APIs
 * (Request/Response, Web Crypto), so the same app runs under Bun (`main.ts`, Redis over TCP) and
 * on edge runtimes (`edge.ts`, Upstash). `/metrics` is not served here: `main.ts` serves
 * `metrics.render()` on METRICS_PORT, which no Route exposes.
 */
export const createMasterApp = (deps: MasterAppDeps) => {
  if (!deps.consumerSecret) throw new Error('createMasterApp: consumerSecret is empty')
  const D = WEBHOOK_LIMIT_DEFAULTS
  const webhook = {
    ...deps,
    maxBodyBytes: deps.maxBodyBytes ?? D.maxBodyBytes,
    bodyBudget: createBodyBudget(deps.bodyBudgetBytes ?? D.bodyBudgetBytes),
    bodyTimeoutMs: deps.bodyTimeoutMs ?? D.bodyTimeoutMs,
    maxEventAgeSec: deps.maxEventAgeSec ?? D.maxEventAgeSec,
    now: deps.now ?? Date.now,
  }
  const { logger, queue, metrics } = deps
  const app = new Hono<MasterEnv>()

  app.use('*', async function requestTimer(c, next) {
    const start = performance.now()
    await next()
    const route = ROUTES.has(c.req.path) ? c.req.path : 'other'
    const labels = { route, method: c.req.method, status: String(c.res.status) }
    metrics.requestDuration.observe(labels, (performance.now() - start) / 1000)
  })

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const up = await queue.ping().catch(() => false)
    return up ? c.json({ status: 'ready' }) : c.json({ status: 'redis unreachable' }, 503)
  })
  app.route('/webhook', webhookRoutes(webhook))

  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status)
    logger.error('unhandled error', { err, path: c.req.path })
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}
export type MasterApp = ReturnType<typeof createMasterApp>
