export { backoffMs } from './backoff.ts'
export {
  type Consumer,
  type ConsumerOptions,
  createConsumer,
  type JobContext,
  type JobHandler,
} from './consumer.ts'
export { PermanentJobError, QueueUnavailableError, RetryLaterError } from './errors.ts'
export { queueKeys } from './keys.ts'
export { type JobOutcomeLabel, type QueueMetrics, queueMetrics } from './metrics.ts'
export {
  createRedisQueue,
  type PurgeableState,
  type RedisQueue,
  type RedisQueueOptions,
  type TakenBack,
} from './redis-queue.ts'
export * from './types.ts'
export {
  createUpstashProducer,
  type UpstashProducerOptions,
  type UpstashRedisLike,
} from './upstash-producer.ts'
