// The producer's side of the queue, safe for edge runtimes (no Node built-ins): the types and
// key layout every side shares, and the @upstash/redis producer. Node processes use
// `@tweetbot/common/queue`, which has all of this plus the Redis queue and the consumer.
export { newEnvelope, parseEnvelope } from './envelope.ts'
export { PermanentJobError, QueueUnavailableError, RetryLaterError } from './errors.ts'
export { queueKeys } from './keys.ts'
export * from './types.ts'
export {
  createUpstashProducer,
  type UpstashProducerOptions,
  type UpstashRedisLike,
} from './upstash-producer.ts'
