import { z } from 'zod'
import { flag, queuePrefix, redisUrl } from './fields.ts'

/** Variables every service reads. */
export const sharedEnvSchema = z.object({
  FLT_DEBUG_MODE: flag(false),
  FLT_LOAD_TESTING_MODE: flag(false),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
})
export type SharedConfig = z.output<typeof sharedEnvSchema>
