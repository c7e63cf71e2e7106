// The master on Bun: the only file that reads the environment.
import { loadConfigOrExit, masterEnvSchema } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { createMetricsRegistry, metricsOnlyFetch } from '@tweetbot/common/metrics'
import { createRedisQueue } from '@tweetbot/common/queue'
import { installShutdown } from '@tweetbot/common/shutdown'
import { createMasterApp } from './app.ts'
import { createPromMasterMetrics } from './metrics/prometheus.ts'
import { nodeSignatureVerifier } from './node-signature.ts'

const config = loadConfigOrExit(
  'master',
  masterEnvSchema,
  Bun.env,
  "The master needs TWITTER_CONSUMER_SECRET (the app's API key secret) to answer X's CRC and verify webhook signatures.",
)
/** One socket read's worth past WEBHOOK_MAX_BODY_BYTES (see maxRequestBodySize below). */
const BUN_LIMIT_SLACK_BYTES = 64 * 1024
const logger = createLogger({ service: 'master', debug: config.FLT_DEBUG_MODE })
const queue = createRedisQueue({
  url: config.REDIS_URL,
  prefix: config.QUEUE_PREFIX,
  // An event id is remembered as long as the event is young enough to be acted on, so a replay
  // is either a duplicate or stale, never queued twice.
  dedupeTtlSec: config.WEBHOOK_MAX_EVENT_AGE_SEC,
})
const metrics = createPromMasterMetrics(createMetricsRegistry('master'))
const app = createMasterApp({
  consumerSecret: config.TWITTER_CONSUMER_SECRET,
  queue,
  logger,
  metrics,
  maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
  bodyBudgetBytes: config.WEBHOOK_BODY_BUDGET_BYTES,
  bodyTimeoutMs: config.WEBHOOK_BODY_TIMEOUT_MS,
  maxEventAgeSec: config.WEBHOOK_MAX_EVENT_AGE_SEC,
  verifySignature: nodeSignatureVerifier(config.TWITTER_CONSUMER_SECRET),
})
const server = Bun.serve({
  port: config.PORT,
  fetch: app.fetch,
  // Bun refuses a larger declared body itself (413, before the app runs). The slack lets the
  // app's own limit, which counts streamed bytes, answer a chunked body first (413, counted).
  maxRequestBodySize: config.WEBHOOK_MAX_BODY_BYTES + BUN_LIMIT_SLACK_BYTES,
})
const metricsServer = Bun.serve({
  port: config.METRICS_PORT,
  fetch: metricsOnlyFetch(metrics.render),
})
logger.info('master listening', {
  port: server.port,
  metricsPort: metricsServer.port,
  prefix: config.QUEUE_PREFIX,
  loadTestingMode: config.FLT_LOAD_TESTING_MODE,
  maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
  bodyBudgetBytes: config.WEBHOOK_BODY_BUDGET_BYTES,
  bodyTimeoutMs: config.WEBHOOK_BODY_TIMEOUT_MS,
  maxEventAgeSec: config.WEBHOOK_MAX_EVENT_AGE_SEC,
})
installShutdown(
  [
    { name: 'http', run: () => server.stop() },
    { name: 'metrics', run: () => metricsServer.stop() },
    { name: 'redis', run: () => queue.close() },
  ],
  { logger },
)
