import { z } from 'zod'
import { httpUrl, port, secret } from './fields.ts'
import { sharedEnvSchema } from './shared.ts'

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost)$/i

/** The bot's real X keys: if any is set, the sandbox refuses to start (it would be a stand-in beside the real X). */
export const REAL_X_KEYS = [
  'TWITTER_CONSUMER_KEY',
  'TWITTER_ACCESS_TOKEN',
  'TWITTER_ACCESS_TOKEN_SECRET',
] as const

const urlList = z
  .string()
  .default('http://127.0.0.1:8081,http://127.0.0.1:8082')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().replace(/\/$/, ''))
      .filter((s) => s.length > 0),
  )
  .pipe(z.array(httpUrl))

/**
 * `bun run sandbox`: a stand-in X on this machine (fake X API, photo host, signed deliveries)
 * with a web page. It has no login and signs with the master's secret, so it only ever binds
 * to loopback, and it never runs where the bot's real X keys are configured.
 */
export const sandboxEnvSchema = sharedEnvSchema
  .extend({
    SANDBOX_HOST: z
      .string()
      .default('127.0.0.1')
      .refine(
        (v) => LOOPBACK.test(v),
        'must be a loopback address (127.x.x.x or localhost): the sandbox has no login and signs deliveries with the master secret',
      ),
    SANDBOX_PORT: port(8090),
    /** The fake X API (HTTPS) the workers send replies to (their TWITTER_API_BASE_URL). */
    SANDBOX_X_PORT: port(8091),
    /** Where the fake X API's certificate is written for the workers (their TWITTER_CA_FILE). */
    SANDBOX_CA_FILE: z.string().default('.data/sandbox/fake-x-ca.pem'),
    /** The bot's account id in the deliveries (`for_user_id`). */
    SANDBOX_BOT_ID: z
      .string()
      .regex(/^\d{1,20}$/, 'must be a numeric X id')
      .default('4337869213'),
    /** The master: deliveries go to `<MASTER_URL>/webhook`. */
    MASTER_URL: httpUrl.default('http://127.0.0.1:8080'),
    /** The master's consumer secret: deliveries are signed with it, as X signs them. */
    TWITTER_CONSUMER_SECRET: secret,
    /** The workers' HTTP ports (for /readyz in the status strip), comma-separated. */
    WORKER_URLS: urlList,
    /** tf-serving's predict URL, as the workers have it; the model's status is read next to it. */
    TF_SERVER_URL: httpUrl.default('http://127.0.0.1:8501/v1/models/default:predict'),
    TWITTER_CONSUMER_KEY: z.string().optional(),
    TWITTER_ACCESS_TOKEN: z.string().optional(),
    TWITTER_ACCESS_TOKEN_SECRET: z.string().optional(),
  })
  .superRefine(
    (env, ctx) => {
      for (const key of REAL_X_KEYS)
        if (env[key])
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              'is set: real X credentials are configured, and the sandbox never runs beside them (unset them to try the bot locally)',
          })
    },
    { when: () => true },
  )

export type SandboxConfig = z.output<typeof sandboxEnvSchema>
