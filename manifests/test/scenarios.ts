import type { Settings } from '../src/deployment.ts'

/** Stand-in credentials: long and distinct, so a leak into any non-Secret object is detectable. */
export const TWITTER: Record<string, string> = {
  TWITTER_CONSUMER_KEY: 'test-consumer-key-4f1c',
  TWITTER_CONSUMER_SECRET: 'test-consumer-secret-9a7e',
  TWITTER_ACCESS_TOKEN: 'test-access-token-2b66',
  TWITTER_ACCESS_TOKEN_SECRET: 'test-access-token-secret-c0d3',
}

const EXTERNAL_REDIS: Record<string, string> = {
  EXTERNAL_REDIS_URL: 'rediss://default:upstash-password-77aa@eu1-bot.upstash.io:6379',
  EXTERNAL_REDIS_PASSWORD: 'upstash-password-77aa',
  EXTERNAL_REDIS_ADDRESS: 'eu1-bot.upstash.io:6379',
  EXTERNAL_REDIS_TLS: 'true',
}

/** The settings the templates must work with: defaults, and each swap a user can make. */
export const SCENARIOS: Record<string, Settings> = {
  defaults: TWITTER,
  'tensorflow/serving': { ...TWITTER, TF_SERVING_IMAGE: 'tensorflow/serving' },
  'external redis': { ...TWITTER, ...EXTERNAL_REDIS, KEDA_REDIS_TLS: 'true' },
  'keda autoscaling': { ...TWITTER, WORKER_AUTOSCALING: 'keda' },
  'every swap at once': {
    ...TWITTER,
    ...EXTERNAL_REDIS,
    KEDA_REDIS_TLS: 'true',
    TF_SERVING_IMAGE: 'tensorflow/serving',
    WORKER_AUTOSCALING: 'keda',
    APP_NAME: 'fedora-bot',
    MODEL_NAME: 'hats',
    QUEUE_PREFIX: 'fb',
    ROUTE_HOST: 'bot.example.com',
    FLT_LOAD_TESTING_MODE: 'True',
  },
}

/** Values a template cannot be rendered without (its required parameters with no default). */
export const REQUIRED_PARAMS: Record<string, Record<string, string>> = {
  'twitter-secret': TWITTER,
  'redis-external': EXTERNAL_REDIS,
  builds: { GIT_URL: 'https://github.com/example/tf-tweetbot.git' },
  'keda-worker': { WORKER_QUEUE: 'chat' },
}
