// The master on an edge runtime (Vercel Edge, Cloudflare Workers, Deno Deploy, …): the same Hono
// app, with the queue over @upstash/redis (HTTP) instead of a TCP Redis connection.
import { loadConfig, masterEdgeEnvSchema } from '@tweetbot/common/config'
import { createLogger, type Logger } from '@tweetbot/common/log'
import { createUpstashProducer } from '@tweetbot/common/queue/producer'
import { Redis } from '@upstash/redis'
import { createMasterApp, type MasterApp } from './app.ts'
import { createInMemoryMasterMetrics } from './metrics/in-memory.ts'
import type { MasterMetrics } from './metrics/types.ts'

type Env = Record<string, string | undefined>

/** Edge runtimes have no stdout stream; console is their log sink. */
const consoleLogger = (debug: boolean): Logger =>
  createLogger({
    service: 'master',
    debug,
    write: (line, level) =>
      (level === 'warn' || level === 'error' ? console.error : console.info)(line),
  })

export interface EdgeMasterOptions {
  logger?: Logger
  metrics?: MasterMetrics
  /** Longest wait for one Upstash call; X wants an answer within seconds. @defaultValue 3000 */
  requestTimeoutMs?: number
}

/**
 * Builds the master from the runtime's environment (`TWITTER_CONSUMER_SECRET`,
 * `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`, optional `QUEUE_PREFIX`, the
 * `WEBHOOK_*` limits, `FLT_DEBUG_MODE`). Throws `ConfigError` naming each bad variable.
 * No `/metrics` route is public: pass `metrics` and expose its `render()` where only you reach it.
 */
export const createEdgeMaster = (env: Env, opts: EdgeMasterOptions = {}): MasterApp => {
  const config = loadConfig('master', masterEdgeEnvSchema, env)
  const timeoutMs = opts.requestTimeoutMs ?? 3_000
  const redis = new Redis({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    // One quick retry: past that, a 503 lets X deliver again later (dedupe keeps it safe).
    retry: { retries: 1, backoff: () => 50 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  })
  return createMasterApp({
    consumerSecret: config.TWITTER_CONSUMER_SECRET,
    queue: createUpstashProducer(redis, {
      prefix: config.QUEUE_PREFIX,
      dedupeTtlSec: config.WEBHOOK_MAX_EVENT_AGE_SEC,
    }),
    logger: opts.logger ?? consoleLogger(config.FLT_DEBUG_MODE),
    // prom-client needs Node built-ins (cluster, v8) that edge runtimes lack.
    metrics: opts.metrics ?? createInMemoryMasterMetrics(),
    maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
    bodyBudgetBytes: config.WEBHOOK_BODY_BUDGET_BYTES,
    bodyTimeoutMs: config.WEBHOOK_BODY_TIMEOUT_MS,
    maxEventAgeSec: config.WEBHOOK_MAX_EVENT_AGE_SEC,
  })
}

let app: MasterApp | undefined
const runtimeEnv = (env: unknown): Env => {
  // Workers-style runtimes pass bindings to fetch; others expose process.env.
  if (env && typeof env === 'object' && 'TWITTER_CONSUMER_SECRET' in env) return env as Env
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {}
}

/** Module-worker entry: `export default` is what Workers-style runtimes call. */
export default {
  fetch(req: Request, env?: unknown, ctx?: unknown) {
    app ??= createEdgeMaster(runtimeEnv(env))
    return app.fetch(req, env as never, ctx as never)
  },
}
