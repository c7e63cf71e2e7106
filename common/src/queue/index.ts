// The queue for Node processes (Bun's Redis client): the master's producer, the workers'
// consumer, the operator CLI. Edge runtimes import `@tweetbot/common/queue/producer` instead.

export {
  REDIS_ROLES,
  type RedisRole,
  type RolePasswords,
  redisAclConfig,
  redisAclRules,
} from './acl.ts'
export { type Connection, type ConnectionOptions, openConnection } from './connection.ts'
export {
  type Consumer,
  type ConsumerOptions,
  createConsumer,
  type JobContext,
  type JobHandler,
} from './consumer.ts'
export { newEnvelope, parseEnvelope } from './envelope.ts'
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
