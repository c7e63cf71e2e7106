import { z } from 'zod'
import { httpUrl, port, positiveInt, secret } from './fields.ts'
import { sharedEnvSchema } from './shared.ts'

/** The master's environment: where it listens, the one secret it needs, and its body limit. */
export const masterEnvSchema = sharedEnvSchema.extend({
  PORT: port(8080),
  /** The app's consumer (API key) secret: signs CRC answers and verifies webhook POSTs. */
  TWITTER_CONSUMER_SECRET: secret,
  /** Largest webhook body accepted; X's deliveries are a few KiB. */
  WEBHOOK_MAX_BODY_BYTES: positiveInt(1024 * 1024),
})
export type MasterConfig = z.output<typeof masterEnvSchema>

/** The master on an edge runtime: the same app, queue over @upstash/redis (HTTP). */
export const masterEdgeEnvSchema = z.object({
  TWITTER_CONSUMER_SECRET: secret,
  WEBHOOK_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  UPSTASH_REDIS_REST_URL: httpUrl,
  UPSTASH_REDIS_REST_TOKEN: secret,
  QUEUE_PREFIX: sharedEnvSchema.shape.QUEUE_PREFIX,
  FLT_DEBUG_MODE: sharedEnvSchema.shape.FLT_DEBUG_MODE,
})
export type MasterEdgeConfig = z.output<typeof masterEdgeEnvSchema>
