import { createHmac } from 'node:crypto'
import { chatJobSchema, tweetJobSchema } from '@tweetbot/common/jobs'
import { createLogger, type Logger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
import type { JobEnvelope, QueueName } from '@tweetbot/common/queue'
import { createRedisQueue, parseEnvelope, queueKeys, type RedisQueue } from '@tweetbot/common/queue'
import { uniquePrefix } from '@tweetbot/testing'
import { parsePrometheusText, sumSamples } from '../../load_test/src/prometheus-text.ts'
import { createMasterApp } from '../src/app.ts'
import { createPromMasterMetrics } from '../src/metrics/prometheus.ts'
import type { SignatureVerifier } from '../src/middleware/webhook-signature.ts'

export const SECRET = 'test-consumer-secret-Zx9'

/**
 * The fixtures are X's documented examples, stamped 2018–2026, so tests that are not about
 * event age accept events this old; the age limit has its own tests (limits.test.ts).
 */
export const FIXTURE_MAX_AGE_SEC = 30 * 365 * 24 * 3600

/** The signature header computed independently of the code under test (node:crypto). */
export const sign = (body: string | Uint8Array, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`

export interface Harness {
  app: ReturnType<typeof createMasterApp>
  queue: RedisQueue
  prefix: string
  logs: string[]
  /** POST /webhook with a correct signature unless `headers` override it. */
  post(body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>
  /** Every job in a pending list, oldest first. */
  jobs(queue: QueueName): Promise<JobEnvelope[]>
  metrics(): Promise<string>
  close(): Promise<void>
}

export const startHarness = (opts: {
  redisUrl: string
  maxBodyBytes?: number
  bodyBudgetBytes?: number
  bodyTimeoutMs?: number
  maxEventAgeSec?: number
  now?: () => number
  connectTimeoutMs?: number
  logger?: Logger
  verifySignature?: SignatureVerifier
}): Harness => {
  const prefix = uniquePrefix('master')
  const queue = createRedisQueue({
    url: opts.redisUrl,
    prefix,
    connectTimeoutMs: opts.connectTimeoutMs ?? 500,
    commandTimeoutMs: 2_000,
  })
  const logs: string[] = []
  const logger =
    opts.logger ?? createLogger({ service: 'master', debug: true, write: (l) => logs.push(l) })
  const registry = createMetricsRegistry('master', { defaults: false })
  const metrics = createPromMasterMetrics(registry)
  const app = createMasterApp({
    consumerSecret: SECRET,
    queue,
    logger,
    metrics,
    maxEventAgeSec: opts.maxEventAgeSec ?? FIXTURE_MAX_AGE_SEC,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.bodyBudgetBytes ? { bodyBudgetBytes: opts.bodyBudgetBytes } : {}),
    ...(opts.bodyTimeoutMs ? { bodyTimeoutMs: opts.bodyTimeoutMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.verifySignature ? { verifySignature: opts.verifySignature } : {}),
  })
  const reader = new Bun.RedisClient(opts.redisUrl)
  return {
    app,
    queue,
    prefix,
    logs,
    post: async (body, headers = {}) =>
      app.request('/webhook', {
        method: 'POST',
        body: typeof body === 'string' ? body : new Uint8Array(body),
        headers: {
          'content-type': 'application/json',
          'x-twitter-webhooks-signature': sign(body),
          ...headers,
        },
      }),
    jobs: async (name) => {
      const raw = (await reader.send('LRANGE', [queueKeys(prefix, name).pending, '0', '-1'])) as
        | string[]
        | null
      return (raw ?? []).reverse().map((r) => {
        const env = parseEnvelope(r)
        if (!env) throw new Error(`not an envelope: ${r.slice(0, 200)}`)
        return env
      })
    },
    // Served on METRICS_PORT by main.ts, never by the app: read straight from the registry.
    metrics: async () => (await metrics.render()).text(),
    close: async () => {
      reader.close()
      await queue.close()
    },
  }
}

/** Parses a queued payload with the shared job schema (throws when it is not a valid job). */
export const parseJob = (env: JobEnvelope) =>
  env.queue === 'chat' ? chatJobSchema.parse(env.payload) : tweetJobSchema.parse(env.payload)

/** Sum of the samples of `name` whose labels include all of `labels` (0 when none). */
export const metric = (text: string, name: string, labels: Record<string, string> = {}) =>
  sumSamples(parsePrometheusText(text), name, (have) =>
    Object.entries(labels).every(([k, v]) => have[k] === v),
  )
