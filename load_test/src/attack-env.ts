import type { Stack } from '@tweetbot/testing/stack'

/**
 * What vegeta_attack.sh needs to attack a `startStack` stack: its workers' metrics ports
 * (preflight, drain),
 * image server, consumer secret (signing) and queue (depths at the end). Used by `make
 * load_test` and the attack's end-to-end test alike.
 */
export const attackEnvFor = (stack: Stack): Record<string, string> => ({
  WORKER_URLS: `${stack.services['worker:chat'].metricsUrl},${stack.services['worker:tweet'].metricsUrl}`,
  LOAD_TEST_MEDIA_URL: stack.images.url,
  TWITTER_CONSUMER_SECRET: stack.consumerSecret,
  REDIS_URL: stack.redis.url,
  QUEUE_PREFIX: stack.prefix,
})
