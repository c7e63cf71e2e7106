import { secret, xApiBaseUrl } from '@tweetbot/common/config'
import { z } from 'zod'

/**
 * Env of the operator CLI (`bun run webhook`). App-only calls use TWITTER_BEARER_TOKEN, or a
 * bearer token obtained from the consumer key + secret; calls on behalf of the bot use OAuth
 * 1.0a with the bot's access token. Each credential is checked only when a command needs it.
 */
export const webhookCliEnvSchema = z.object({
  TWITTER_CONSUMER_KEY: secret.optional(),
  TWITTER_CONSUMER_SECRET: secret.optional(),
  TWITTER_ACCESS_TOKEN: secret.optional(),
  TWITTER_ACCESS_TOKEN_SECRET: secret.optional(),
  TWITTER_BEARER_TOKEN: secret.optional(),
  /** The bot's user id; when unset it is read from the access token or GET /2/users/me. */
  TWITTER_BOT_USER_ID: z
    .string()
    .regex(/^\d{1,20}$/, 'must be a numeric user id')
    .optional(),
  /** X API root; an HTTPS fake in tests. */
  TWITTER_API_BASE_URL: xApiBaseUrl,
  /** Extra CA certificate (PEM file) to trust for TWITTER_API_BASE_URL, e.g. the fake's. */
  TWITTER_CA_FILE: z.string().min(1).optional(),
})
export type WebhookCliEnv = z.output<typeof webhookCliEnvSchema>
