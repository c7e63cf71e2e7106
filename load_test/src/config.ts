import { httpUrl, port, secret } from '@tweetbot/common/config'
import { z } from 'zod'
import { DEFAULT_MEDIA_BASE_URL } from './media-catalog.ts'

/**
 * Env of the targets generator. The secret defaults to the one `make dev` gives the master, so
 * a local load test needs no setup; against any other master set TWITTER_CONSUMER_SECRET.
 */
export const targetsEnvSchema = z.object({
  TWITTER_CONSUMER_SECRET: secret.default('dev-consumer-secret'),
  LOAD_TEST_MEDIA_URL: httpUrl.default(DEFAULT_MEDIA_BASE_URL),
})
export type TargetsEnv = z.output<typeof targetsEnvSchema>

/** Env of the media server. */
export const mediaEnvSchema = z.object({
  MEDIA_HOST: z.string().min(1).default('127.0.0.1'),
  MEDIA_PORT: port(9100),
})
export type MediaEnv = z.output<typeof mediaEnvSchema>
