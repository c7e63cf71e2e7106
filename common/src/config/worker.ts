import { z } from 'zod'
import { flag, httpUrl, port, positiveInt, xApiBaseUrl } from './fields.ts'
import { sharedEnvSchema } from './shared.ts'

/** Labels of the default model (nsfwjs' MobileNetV2, exported by `make models`). */
export const DEFAULT_MODEL_LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )

const fraction = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(fallback)

const nonNegativeInt = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .default(fallback)

/** grpc://host:port/<model>[/versions/<n>] (see workers/src/model/grpc-model-client.ts). */
const GRPC_MODEL_URL = /^grpc:\/\/[A-Za-z0-9.-]+:\d{1,5}\/[^/:]+(\/versions\/\d+)?$/

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host or host:port (comma-separated)')

const TWITTER_KEYS = [
  'TWITTER_CONSUMER_KEY',
  'TWITTER_CONSUMER_SECRET',
  'TWITTER_ACCESS_TOKEN',
  'TWITTER_ACCESS_TOKEN_SECRET',
] as const

/**
 * Environment of `bun workers/src/main.ts <chat|tweet>`. Every variable, its default and
 * meaning is listed in workers/README.md.
 */
export const workerEnvSchema = sharedEnvSchema
  .extend({
    PORT: port(8081),
    /** `/metrics` only, apart from the probes' port. */
    METRICS_PORT: port(9091),
    // http(s)://…/v1/models/<m>:predict (REST) or grpc://host:port/<m>[/versions/<n>] (gRPC).
    TF_SERVER_URL: z
      .string()
      .refine(
        (v) => httpUrl.safeParse(v).success || GRPC_MODEL_URL.test(v),
        'must be an http(s) predict URL or grpc://host:port/<model>',
      ),
    TWITTER_CONSUMER_KEY: z.string().optional(),
    TWITTER_CONSUMER_SECRET: z.string().optional(),
    TWITTER_ACCESS_TOKEN: z.string().optional(),
    TWITTER_ACCESS_TOKEN_SECRET: z.string().optional(),
    TWITTER_API_BASE_URL: xApiBaseUrl,
    TWITTER_CA_FILE: z.string().optional(),
    // Jobs per process. A job holds its slot through the X call (~300 ms) too, so this must
    // cover X's latency as well as tf-serving's (bench/e2e.ts: 8 slots left tf-serving idle).
    CHAT_WORKER_CONCURRENCY: positiveInt(32),
    TWEET_WORKER_CONCURRENCY: positiveInt(32),
    // Of those, how many may be predicting at once (requests in flight to tf-serving); twice as
    // many may be downloaded/decoded and waiting for a predict slot (~1.5 MB each).
    PREDICT_CONCURRENCY: positiveInt(8),
    MEDIA_ALLOWED_HOSTS: commaList.pipe(z.array(hostPort)),
    MEDIA_MAX_BYTES: positiveInt(5 * 1024 * 1024),
    MEDIA_MAX_PIXELS: positiveInt(25_000_000),
    // X serves photos at most 4096 px a side; larger ones do not come from X.
    MEDIA_MAX_DIMENSION: positiveInt(4096),
    // Estimated from the header (width × height × channels × bytes per sample, × 1.5 when
    // interlaced). 128 MiB admits any 8-bit image of 4096² px; each decode at once may use it.
    MEDIA_MAX_DECODE_BYTES: positiveInt(128 * 1024 * 1024),
    MEDIA_DECODE_CONCURRENCY: positiveInt(2),
    MEDIA_TIMEOUT_MS: positiveInt(10_000),
    MEDIA_MAX_REDIRECTS: nonNegativeInt(3),
    PREDICT_TIMEOUT_MS: positiveInt(30_000),
    MODEL_OUTAGE_WAIT_MS: nonNegativeInt(60_000),
    X_TIMEOUT_MS: positiveInt(15_000),
    MODEL_LABELS: commaList,
    MODEL_LABELS_FILE: z.string().optional(),
    INPUT_SCALE: z.enum(['0,1', '-1,1', '0,255']).default('0,1'),
    REPLY_PRESET: z.enum(['labels', 'fedora']).default('labels'),
    REPLY_TEMPLATE: z.string().default('I see {labels}'),
    REPLY_TOP_K: positiveInt(3),
    REPLY_THRESHOLD: fraction(0.05),
    REPLY_HELP_TEXT: z.string().default('Send me a picture and I will tell you what I see in it.'),
    // Per sender and queue, in fixed windows; 0 turns the throttle off.
    SENDER_REPLY_LIMIT: nonNegativeInt(10),
    SENDER_REPLY_WINDOW_SEC: positiveInt(60),
    SENDER_SLOW_DOWN_TEXT: z
      .string()
      .min(1, 'must not be empty')
      .default('You are sending me a lot at once. Please slow down: I will answer again shortly.'),
    FLT_FEDORA_FOUND_THRESHOLD: fraction(0.5),
    FEDORA_LABEL: z.string().default('fedora'),
    LOAD_TEST_REPLY_DELAY_MS: nonNegativeInt(300),
    REPLIED_TTL_SECONDS: positiveInt(7 * 24 * 3600),
    SHUTDOWN_GRACE_MS: positiveInt(20_000),
    WORKER_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, _ . -')
      .optional(),
    QUEUE_MAX_ATTEMPTS: positiveInt(5),
    QUEUE_HEARTBEAT_TTL_SEC: positiveInt(30),
    /** Publish each job's stages and scores on `<prefix>:events:<queue>` (the sandbox's timeline). */
    JOB_EVENTS: flag(false),
  })
  .superRefine(
    (env, ctx) => {
      if (typeof env.PORT === 'number' && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
        ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' })
      // In load-testing mode nothing is sent to X, so the bot's keys are not needed.
      if (env.FLT_LOAD_TESTING_MODE === true) return
      for (const key of TWITTER_KEYS)
        if (!env[key])
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'required but not set (or set FLT_LOAD_TESTING_MODE=True)',
          })
    },
    // Run even when other variables are bad, so one start-up error lists every problem.
    { when: () => true },
  )

export type WorkerConfig = z.output<typeof workerEnvSchema>
