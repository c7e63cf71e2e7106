// `bun workers/src/main.ts <chat|tweet>`: the only file of the workers that reads the environment.
import { readFileSync } from 'node:fs'
import { loadConfigOrExit } from '@tweetbot/common/src/config/load-config.ts'
import { workerEnvSchema } from '@tweetbot/common/src/config/worker.ts'
import { chatJobSchema, tweetJobSchema } from '@tweetbot/common/src/jobs.ts'
import { createLogger } from '@tweetbot/common/src/log.ts'
import { createMetricsRegistry } from '@tweetbot/common/src/metrics.ts'
import { openConnection } from '@tweetbot/common/src/queue/connection.ts'
import { type Consumer, createConsumer } from '@tweetbot/common/src/queue/consumer.ts'
import { createRedisQueue, queueKeys } from '@tweetbot/common/src/queue/index.ts'
import type { QueueName } from '@tweetbot/common/src/queue/types.ts'
import { installShutdown } from '@tweetbot/common/src/shutdown.ts'
import sharp from 'sharp'
import { createWorkerApp } from './app.ts'
import { mediaPolicy } from './media/allow-list.ts'
import { createMediaFetcher } from './media/fetch-media.ts'
import { createOAuth1Signer } from './media/oauth1-signer.ts'
import { preprocessImage } from './media/preprocess.ts'
import { createWorkerMetrics } from './metrics.ts'
import { connectModel } from './model/connect-model.ts'
import { loadLabels } from './model/load-labels.ts'
import type { ModelInput } from './model/parse-metadata.ts'
import { rideOutOutage } from './model/ride-out-outage.ts'
import { waitForModel } from './model/wait-for-model.ts'
import { createJobHandler } from './pipeline/handle-job.ts'
import { createReplyGuard } from './pipeline/reply-guard.ts'
import { createSemaphore } from './pipeline/semaphore.ts'
import { createMediaLookup } from './x/lookup-media.ts'
import { createXApiClient } from './x/x-api-client.ts'
import { createLoadTestReplier, createXReplier } from './x/x-replier.ts'

const queueName = process.argv[2]
if (queueName !== 'chat' && queueName !== 'tweet') {
  console.error('usage: bun workers/src/main.ts <chat|tweet>')
  process.exit(2)
}
const name: QueueName = queueName
const service = `worker-${name}`

const config = loadConfigOrExit(
  service,
  workerEnvSchema,
  Bun.env,
  'See the Configuration section of README.md for every variable and its default.',
)
const concurrency =
  name === 'chat' ? config.CHAT_WORKER_CONCURRENCY : config.TWEET_WORKER_CONCURRENCY
// Every photo is new: libvips' operation cache (50 MB by default) only holds memory here.
sharp.cache(false)
const logger = createLogger({ service, debug: config.FLT_DEBUG_MODE })
const registry = createMetricsRegistry(service)
const metrics = createWorkerMetrics(registry, name, {
  loadTestingMode: config.FLT_LOAD_TESTING_MODE,
})
const labels = loadLabels({ labels: config.MODEL_LABELS, file: config.MODEL_LABELS_FILE })
const keys = config.FLT_LOAD_TESTING_MODE
  ? undefined
  : {
      appKey: config.TWITTER_CONSUMER_KEY!,
      appSecret: config.TWITTER_CONSUMER_SECRET!,
      accessToken: config.TWITTER_ACCESS_TOKEN!,
      accessSecret: config.TWITTER_ACCESS_TOKEN_SECRET!,
    }
const xClient =
  keys &&
  createXApiClient({
    keys,
    baseUrl: config.TWITTER_API_BASE_URL,
    ca: config.TWITTER_CA_FILE ? readFileSync(config.TWITTER_CA_FILE, 'utf8') : undefined,
    timeoutMs: config.X_TIMEOUT_MS,
  })
const replier = xClient
  ? createXReplier(xClient)
  : createLoadTestReplier(config.LOAD_TEST_REPLY_DELAY_MS)
let modelAnswers = true
const model = rideOutOutage(
  connectModel(config.TF_SERVER_URL, {
    timeoutMs: config.PREDICT_TIMEOUT_MS,
    scale: config.INPUT_SCALE,
  }),
  {
    waitMs: config.MODEL_OUTAGE_WAIT_MS,
    logger,
    onAvailability: (up) => {
      modelAnswers = up
    },
  },
)
const queue = createRedisQueue({
  url: config.REDIS_URL,
  prefix: config.QUEUE_PREFIX,
  maxAttempts: config.QUEUE_MAX_ATTEMPTS,
  heartbeatTtlSec: config.QUEUE_HEARTBEAT_TTL_SEC,
})
const marks = openConnection(config.REDIS_URL, { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 })
let input: ModelInput | undefined
let consumer: Consumer | undefined

const handler = createJobHandler({
  model,
  modelInput: () => input!,
  fetchMedia: createMediaFetcher({
    policy: mediaPolicy(config.MEDIA_ALLOWED_HOSTS),
    maxBytes: config.MEDIA_MAX_BYTES,
    timeoutMs: config.MEDIA_TIMEOUT_MS,
    maxRedirects: config.MEDIA_MAX_REDIRECTS,
    sign: keys && createOAuth1Signer(keys),
  }),
  preprocess: (bytes, modelInput) =>
    preprocessImage(bytes, modelInput, { maxPixels: config.MEDIA_MAX_PIXELS }),
  replier,
  lookupMedia: xClient && createMediaLookup(xClient),
  guard: createReplyGuard({
    send: (cmd, args) => marks.send(cmd, args),
    keyFor: queueKeys(config.QUEUE_PREFIX, name).replied,
    ttlSeconds: config.REPLIED_TTL_SECONDS,
  }),
  // A request X did not answer within X_TIMEOUT_MS gets as long again to be posted before the
  // retry asks X whether it was.
  doubtCheckAfterMs: 2 * config.X_TIMEOUT_MS,
  labels,
  style: {
    preset: config.REPLY_PRESET,
    template: config.REPLY_TEMPLATE,
    topK: config.REPLY_TOP_K,
    threshold: config.REPLY_THRESHOLD,
    fedoraThreshold: config.FLT_FEDORA_FOUND_THRESHOLD,
    fedoraLabel: config.FEDORA_LABEL,
  },
  helpText: config.REPLY_HELP_TEXT,
  metrics,
  imageStage: createSemaphore(config.PREDICT_CONCURRENCY * 2),
  predictStage: createSemaphore(config.PREDICT_CONCURRENCY),
})

const app = createWorkerApp({
  registry,
  loadTestingMode: config.FLT_LOAD_TESTING_MODE,
  readiness: async () => ({
    model: input !== undefined && modelAnswers,
    consumer: consumer !== undefined,
    redis: await marks.send('PING', []).then(
      () => true,
      () => false,
    ),
  }),
})
const server = Bun.serve({ port: config.PORT, fetch: app.fetch })
const starting = new AbortController()
installShutdown(
  [
    { name: 'startup', run: () => starting.abort() },
    { name: 'consumer', run: () => consumer?.close(config.SHUTDOWN_GRACE_MS) },
    { name: 'http', run: () => server.stop() },
    { name: 'redis', run: () => marks.close() },
  ],
  { logger, graceMs: config.SHUTDOWN_GRACE_MS + 5_000 },
)
logger.info('worker starting', {
  queue: name,
  port: server.port,
  prefix: config.QUEUE_PREFIX,
  loadTestingMode: config.FLT_LOAD_TESTING_MODE,
  concurrency,
  predictConcurrency: config.PREDICT_CONCURRENCY,
  labels,
  preset: config.REPLY_PRESET,
})
if (
  config.REPLY_PRESET === 'fedora' &&
  !labels.some((l) => l.toLowerCase() === config.FEDORA_LABEL.toLowerCase())
)
  logger.warn('fedora preset: no label named FEDORA_LABEL; using the first class', {
    fedoraLabel: config.FEDORA_LABEL,
  })

try {
  input = await waitForModel(model, { logger, signal: starting.signal })
  metrics.modelReady.set(1)
  consumer = createConsumer({
    queue,
    name,
    consumerId: config.WORKER_ID,
    concurrency,
    handler,
    schema: name === 'chat' ? chatJobSchema : tweetJobSchema,
    logger,
    registry,
  })
} catch (err) {
  if (!starting.signal.aborted) throw err
}
