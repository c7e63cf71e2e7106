import { z } from 'zod'
import { httpUrl, port, positiveInt, secret } from './fields.ts'
import { sharedEnvSchema } from './shared.ts'

/**
 * The master's limits on what an unauthenticated client can make it hold. A body must be read
 * whole before its signature can be checked, so these bound what anyone on the internet can cost.
 */
export const WEBHOOK_LIMIT_DEFAULTS = {
  /** X's deliveries are a few KiB; 100 events (the per-delivery cap) of a large kind fit. */
  maxBodyBytes: 256 * 1024,
  /** Body bytes being read at once, over all requests; past it, 503 (X delivers again). */
  bodyBudgetBytes: 16 * 1024 * 1024,
  /** From the request's headers to its last body byte. */
  bodyTimeoutMs: 5_000,
  /** Events older than this are acknowledged and dropped; also how long event ids are remembered. */
  maxEventAgeSec: 24 * 3600,
} as const

const D = WEBHOOK_LIMIT_DEFAULTS

/** Body and event limits, shared by the Bun and the edge entry. */
const webhookLimits = {
  /** Largest webhook body accepted (413 above it). */
  WEBHOOK_MAX_BODY_BYTES: positiveInt(D.maxBodyBytes),
  /** Body bytes all requests may be reading at once before any is authenticated. */
  WEBHOOK_BODY_BUDGET_BYTES: positiveInt(D.bodyBudgetBytes),
  /** Deadline for receiving a whole body (408 past it). */
  WEBHOOK_BODY_TIMEOUT_MS: positiveInt(D.bodyTimeoutMs),
  /** Oldest event acted on, and the dedupe window. */
  WEBHOOK_MAX_EVENT_AGE_SEC: positiveInt(D.maxEventAgeSec),
}

type LimitsEnv = { WEBHOOK_MAX_BODY_BYTES: number; WEBHOOK_BODY_BUDGET_BYTES: number }
const budgetFitsABody = (env: LimitsEnv, ctx: z.RefinementCtx) => {
  // Large bodies may fill three quarters of the budget (master/src/middleware/body-budget.ts).
  if (env.WEBHOOK_BODY_BUDGET_BYTES < 2 * env.WEBHOOK_MAX_BODY_BYTES)
    ctx.addIssue({
      code: 'custom',
      path: ['WEBHOOK_BODY_BUDGET_BYTES'],
      message: 'must be at least 2 × WEBHOOK_MAX_BODY_BYTES (a largest body must fit)',
    })
}

/** The master's environment: where it listens, the one secret it needs, and its limits. */
export const masterEnvSchema = sharedEnvSchema
  .extend({
    PORT: port(8080),
    /** `/metrics` only; never behind the public Route. */
    METRICS_PORT: port(9090),
    /** The app's consumer (API key) secret: signs CRC answers and verifies webhook POSTs. */
    TWITTER_CONSUMER_SECRET: secret,
    ...webhookLimits,
  })
  .superRefine((env, ctx) => {
    if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_PORT'],
        message: 'must differ from PORT (metrics stay off the public port)',
      })
    budgetFitsABody(env, ctx)
  })
export type MasterConfig = z.output<typeof masterEnvSchema>

/** The master on an edge runtime: the same app, queue over @upstash/redis (HTTP). */
export const masterEdgeEnvSchema = z
  .object({
    TWITTER_CONSUMER_SECRET: secret,
    ...webhookLimits,
    UPSTASH_REDIS_REST_URL: httpUrl,
    UPSTASH_REDIS_REST_TOKEN: secret,
    QUEUE_PREFIX: sharedEnvSchema.shape.QUEUE_PREFIX,
    FLT_DEBUG_MODE: sharedEnvSchema.shape.FLT_DEBUG_MODE,
  })
  .superRefine(budgetFitsABody)
export type MasterEdgeConfig = z.output<typeof masterEdgeEnvSchema>
