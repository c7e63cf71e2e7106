// The queue for Node processes (Bun's Redis client): the master's producer, the workers'
// consumer, the operator CLI. Everything the edge-safe entry has, plus the Node-only parts;
// edge runtimes import `@tweetbot/common/queue/producer` instead.

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
export { type JobOutcomeLabel, type QueueMetrics, queueMetrics } from './metrics.ts'
export * from './producer.ts'
export {
  createRedisQueue,
  type PurgeableState,
  type RedisQueue,
  type RedisQueueOptions,
  type TakenBack,
} from './redis-queue.ts'
