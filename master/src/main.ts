// The master on Bun: the only file that reads the environment.
import { loadConfigOrExit, masterEnvSchema } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
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
const logger = createLogger({ service: 'master', debug: config.FLT_DEBUG_MODE })
const queue = createRedisQueue({ url: config.REDIS_URL, prefix: config.QUEUE_PREFIX })
const app = createMasterApp({
  consumerSecret: config.TWITTER_CONSUMER_SECRET,
  queue,
  logger,
  metrics: createPromMasterMetrics(createMetricsRegistry('master')),
  maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
  verifySignature: nodeSignatureVerifier(config.TWITTER_CONSUMER_SECRET),
})
const server = Bun.serve({
  port: config.PORT,
  fetch: app.fetch,
  // Bun refuses larger bodies itself (413); the app's own limit still counts streamed bytes.
  maxRequestBodySize: config.WEBHOOK_MAX_BODY_BYTES,
})
logger.info('master listening', {
  port: server.port,
  prefix: config.QUEUE_PREFIX,
  loadTestingMode: config.FLT_LOAD_TESTING_MODE,
  maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
})
installShutdown(
  [
    { name: 'http', run: () => server.stop() },
    { name: 'redis', run: () => queue.close() },
  ],
  { logger },
)
