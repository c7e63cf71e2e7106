import type { WorkerConfig } from '@tweetbot/common/config'
import { createJobEventPublisher, jobEventsChannel } from '@tweetbot/common/job-events'
import { chatJobSchema, tweetJobSchema } from '@tweetbot/common/jobs'
import type { Logger } from '@tweetbot/common/log'
import { metricsOnlyFetch, metricsResponse, type Registry } from '@tweetbot/common/metrics'
import {
  type Connection,
  type Consumer,
  createConsumer,
  type QueueName,
  queueKeys,
  type RedisQueue,
} from '@tweetbot/common/queue'
import { createWorkerApp } from './app.ts'
import type { MediaFetcher } from './media/fetch-media.ts'
import { createPreprocessor } from './media/preprocess.ts'
import { createWorkerMetrics } from './metrics.ts'
import type { ModelClient } from './model/model-client.ts'
import type { ModelInput } from './model/parse-metadata.ts'
import { rideOutOutage } from './model/ride-out-outage.ts'
import { waitForModel } from './model/wait-for-model.ts'
import { createJobHandler } from './pipeline/handle-job.ts'
import { createSemaphore } from './pipeline/semaphore.ts'
import { createSenderThrottle } from './pipeline/sender-throttle.ts'
import { createReplyGuard, replyMarkKey } from './reply/reply-guard.ts'
import type { MediaLookup } from './x/lookup-media.ts'
import type { Replier } from './x/x-replier.ts'

/** What a worker talks to, built from the config by `connectWorkerDeps` (or by a test). */
export interface WorkerDeps {
  logger: Logger
  registry: Registry
  queue: RedisQueue
  /** A second Redis connection for the reply marks and readiness (the queue's may be blocked). */
  marks: Connection
  model: ModelClient
  fetchMedia: MediaFetcher
  replier: Replier
  lookupMedia: MediaLookup
  /** The model's class names, in output order. */
  labels: string[]
}

export interface Worker {
  /** The probe port: liveness and readiness. */
  app: ReturnType<typeof createWorkerApp>
  /** The metrics port (METRICS_PORT): `GET /metrics` only. */
  metricsFetch: (req: Request) => Promise<Response> | Response
  /** Waits for tf-serving to tell the model's input, then starts taking jobs. */
  start(): Promise<void>
  /** Stops waiting or taking jobs, hands unfinished jobs back, closes the marks connection. */
  stop(): Promise<void>
}

/**
 * One chat or tweet worker, in process: the job handler wired to its stages, the queue consumer
 * (started once the model's input is known) and the HTTP side. Reads nothing from the
 * environment; `main.ts` builds the config and the clients.
 */
export const createWorker = (config: WorkerConfig, name: QueueName, deps: WorkerDeps): Worker => {
  const { logger, registry, labels } = deps
  const metrics = createWorkerMetrics(registry, name, {
    loadTestingMode: config.FLT_LOAD_TESTING_MODE,
  })
  // One sender for the marks connection: job events and readiness (the guard and the throttle
  // take the connection itself).
  const send = (cmd: string, args: string[]) => deps.marks.send(cmd, args)
  const concurrency =
    name === 'chat' ? config.CHAT_WORKER_CONCURRENCY : config.TWEET_WORKER_CONCURRENCY
  let modelAnswers = true
  let input: ModelInput | undefined
  let consumer: Consumer | undefined
  const model = rideOutOutage(deps.model, {
    waitMs: config.MODEL_OUTAGE_WAIT_MS,
    logger,
    onAvailability: (up) => {
      modelAnswers = up
    },
  })
  const handler = createJobHandler({
    ...handlerSettings(config, name, deps.marks),
    model,
    modelInput: () => input!,
    fetchMedia: deps.fetchMedia,
    replier: deps.replier,
    lookupMedia: deps.lookupMedia,
    labels,
    metrics,
    workerId: () => consumer?.id ?? config.WORKER_ID ?? 'unknown',
  })
  const app = createWorkerApp({
    loadTestingMode: config.FLT_LOAD_TESTING_MODE,
    readiness: async () => ({
      model: input !== undefined && modelAnswers,
      consumer: consumer !== undefined,
      redis: await send('PING', []).then(
        () => true,
        () => false,
      ),
    }),
  })
  const starting = new AbortController()
  return {
    app,
    metricsFetch: metricsOnlyFetch(() => metricsResponse(registry)),
    start: async () => {
      logStart(config, name, { labels, concurrency }, logger)
      try {
        input = await waitForModel(model, { logger, signal: starting.signal })
      } catch (err) {
        if (starting.signal.aborted) return
        throw err
      }
      metrics.modelReady.set(1)
      consumer = createConsumer({
        queue: deps.queue,
        name,
        consumerId: config.WORKER_ID,
        concurrency,
        handler,
        schema: name === 'chat' ? chatJobSchema : tweetJobSchema,
        logger,
        registry,
      })
    },
    stop: async () => {
      starting.abort()
      // The consumer closes the queue it took; stopped before the model answered, there is none.
      await (consumer ? consumer.close(config.SHUTDOWN_GRACE_MS) : deps.queue.close())
      await deps.marks.close()
    },
  }
}

/** The job handler's settings that follow from the config alone (and the marks connection). */
const handlerSettings = (config: WorkerConfig, name: QueueName, marks: Connection) => ({
  preprocess: createPreprocessor({
    maxPixels: config.MEDIA_MAX_PIXELS,
    maxDimension: config.MEDIA_MAX_DIMENSION,
    maxDecodeBytes: config.MEDIA_MAX_DECODE_BYTES,
    concurrency: config.MEDIA_DECODE_CONCURRENCY,
  }).preprocess,
  guard: createReplyGuard({
    redis: marks,
    keyFor: (eventId) => replyMarkKey(config.QUEUE_PREFIX, name, eventId),
    ttlSeconds: config.REPLIED_TTL_SECONDS,
  }),
  // A request X did not answer within X_TIMEOUT_MS gets as long again to be posted before the
  // retry asks X whether it was.
  doubtCheckAfterMs: 2 * config.X_TIMEOUT_MS,
  style: {
    preset: config.REPLY_PRESET,
    template: config.REPLY_TEMPLATE,
    topK: config.REPLY_TOP_K,
    threshold: config.REPLY_THRESHOLD,
    fedoraThreshold: config.FLT_FEDORA_FOUND_THRESHOLD,
    fedoraLabel: config.FEDORA_LABEL,
  },
  helpText: config.REPLY_HELP_TEXT,
  // Off in load-testing mode: nothing reaches X there, and load tests send from one user.
  throttle:
    config.SENDER_REPLY_LIMIT > 0 && !config.FLT_LOAD_TESTING_MODE
      ? createSenderThrottle({
          redis: marks,
          keyFor: queueKeys(config.QUEUE_PREFIX, name).throttle,
          limit: config.SENDER_REPLY_LIMIT,
          windowSec: config.SENDER_REPLY_WINDOW_SEC,
        })
      : undefined,
  slowDownText: config.SENDER_SLOW_DOWN_TEXT,
  imageStage: createSemaphore(config.PREDICT_CONCURRENCY * 2),
  predictStage: createSemaphore(config.PREDICT_CONCURRENCY),
  events: config.JOB_EVENTS
    ? createJobEventPublisher(
        (cmd, args) => marks.send(cmd, args),
        jobEventsChannel(config.QUEUE_PREFIX, name),
      )
    : undefined,
})

const logStart = (
  config: WorkerConfig,
  name: QueueName,
  { labels, concurrency }: { labels: string[]; concurrency: number },
  logger: Logger,
) => {
  logger.info('worker starting', {
    queue: name,
    prefix: config.QUEUE_PREFIX,
    loadTestingMode: config.FLT_LOAD_TESTING_MODE,
    concurrency,
    predictConcurrency: config.PREDICT_CONCURRENCY,
    labels,
    preset: config.REPLY_PRESET,
    jobEvents: config.JOB_EVENTS,
  })
  const fedora = config.FEDORA_LABEL.toLowerCase()
  if (config.REPLY_PRESET === 'fedora' && !labels.some((l) => l.toLowerCase() === fedora))
    logger.warn('fedora preset: no label named FEDORA_LABEL; using the first class', {
      fedoraLabel: config.FEDORA_LABEL,
    })
}
