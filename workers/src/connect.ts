import { readFileSync } from 'node:fs'
import type { WorkerConfig } from '@tweetbot/common/config'
import type { Logger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
import { createRedisQueue, openConnection, type QueueName } from '@tweetbot/common/queue'
import { mediaPolicy } from './media/allow-list.ts'
import { createMediaFetcher } from './media/fetch-media.ts'
import { createOAuth1Signer } from './media/oauth1-signer.ts'
import { connectModel } from './model/connect-model.ts'
import { loadLabels } from './model/load-labels.ts'
import type { WorkerDeps } from './worker.ts'
import { createMediaLookup } from './x/lookup-media.ts'
import { createXApiClient } from './x/x-api-client.ts'
import { createLoadTestReplier, createXReplier } from './x/x-replier.ts'

/**
 * The clients a worker uses, from its config: Redis (queue + marks), tf-serving, the media
 * fetcher, and X (twitter-api-v2 as the bot), or in load-testing mode a replier that sends
 * nothing and a media lookup that finds nothing.
 */
export const connectWorkerDeps = (
  config: WorkerConfig,
  name: QueueName,
  logger: Logger,
): WorkerDeps => {
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
  return {
    logger,
    registry: createMetricsRegistry(`worker-${name}`),
    queue: createRedisQueue({
      url: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      maxAttempts: config.QUEUE_MAX_ATTEMPTS,
      heartbeatTtlSec: config.QUEUE_HEARTBEAT_TTL_SEC,
    }),
    marks: openConnection(config.REDIS_URL, { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 }),
    // REST (http://…:predict) or gRPC (grpc://host:port/<model>), by the URL's scheme.
    model: connectModel(config.TF_SERVER_URL, {
      timeoutMs: config.PREDICT_TIMEOUT_MS,
      scale: config.INPUT_SCALE,
    }),
    fetchMedia: createMediaFetcher({
      policy: mediaPolicy(config.MEDIA_ALLOWED_HOSTS),
      maxBytes: config.MEDIA_MAX_BYTES,
      timeoutMs: config.MEDIA_TIMEOUT_MS,
      maxRedirects: config.MEDIA_MAX_REDIRECTS,
      sign: keys && createOAuth1Signer(keys),
    }),
    replier: xClient
      ? createXReplier(xClient)
      : createLoadTestReplier(config.LOAD_TEST_REPLY_DELAY_MS),
    lookupMedia: xClient ? createMediaLookup(xClient) : async () => [],
    labels: loadLabels({ labels: config.MODEL_LABELS, file: config.MODEL_LABELS_FILE }),
  }
}
