import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { dropStale } from '../deliveries/drop-stale.ts'
import { enqueueDecisions } from '../deliveries/enqueue-decisions.ts'
import { routeDelivery } from '../deliveries/route-delivery.ts'
import type { WebhookDeps } from '../deps.ts'
import type { MasterEnv } from '../env.ts'
import { bodyLimit } from '../middleware/body-limit.ts'
import { requireJson } from '../middleware/require-json.ts'
import { webhookSignature } from '../middleware/webhook-signature.ts'
import { checkCrcToken } from '../x/crc-token.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

const parseJson = (raw: Uint8Array): unknown => {
  try {
    return JSON.parse(utf8.decode(raw))
  } catch {
    // Invalid UTF-8, invalid JSON, or nesting deep enough to exhaust the parser's stack.
    throw new HTTPException(400, { message: 'body is not JSON' })
  }
}

/**
 * `GET /webhook?crc_token=` answers X's challenge; `POST /webhook` takes signed deliveries.
 * @see https://docs.x.com/x-api/webhooks/introduction
 */
export const webhookRoutes = (deps: WebhookDeps) => {
  const app = new Hono<MasterEnv>()

  app.get('/', async (c) => {
    const verdict = checkCrcToken(c.req.query('crc_token'))
    if (!verdict.ok) throw new HTTPException(400, { message: verdict.reason })
    return c.json({ response_token: await signWebhookBody(deps.consumerSecret, verdict.token) })
  })

  app.post(
    '/',
    requireJson(),
    bodyLimit({
      maxBytes: deps.maxBodyBytes,
      budget: deps.bodyBudget,
      timeoutMs: deps.bodyTimeoutMs,
      logger: deps.logger,
      onRefused: (reason) => deps.metrics.bodyRefusals.inc({ reason }),
    }),
    webhookSignature(
      deps.consumerSecret,
      (reason) => deps.metrics.signatureFailures.inc({ reason }),
      deps.verifySignature,
    ),
    async (c) => {
      const verdict = routeDelivery(parseJson(c.get('rawBody')))
      if (!verdict.ok) {
        deps.metrics.events.inc({ api: 'unknown', kind: 'delivery', outcome: 'rejected' })
        throw new HTTPException(400, { message: verdict.reason })
      }
      const decisions = dropStale(verdict.decisions, {
        nowMs: deps.now(),
        maxAgeSec: deps.maxEventAgeSec,
      })
      const summary = await enqueueDecisions(decisions, deps)
      // One line per delivery (not per event): a replayed capture must not flood the log.
      if (summary.stale > 0)
        deps.logger.info('stale events dropped', { api: verdict.api, stale: summary.stale })
      // X retries non-200 deliveries; dedupe on event ids makes the retry safe (see enqueueDecisions).
      if (summary.failed > 0) {
        c.header('retry-after', '5')
        return c.json({ error: 'queue unavailable', ...summary }, 503)
      }
      // A stale event is answered 200 like an ignored one: any other answer makes X deliver again.
      const decided = decisions.length
      if (decided > 0 && summary.rejected === decided)
        return c.json({ error: 'no valid event in the delivery', ...summary }, 400)
      return c.json({ api: verdict.api, ...summary }, 200)
    },
  )
  return app
}
