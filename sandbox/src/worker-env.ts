/** Placeholder keys for the workers: the sandbox's fake X does not check them; they are not secrets. */
const SANDBOX_X_KEYS = {
  TWITTER_CONSUMER_KEY: 'sandbox-consumer-key',
  TWITTER_ACCESS_TOKEN: 'sandbox-access-token',
  TWITTER_ACCESS_TOKEN_SECRET: 'sandbox-access-secret',
}

/**
 * What a worker needs to reply to the sandbox instead of X: the real twitter-api-v2 path
 * against the fake X API (trusting its certificate), the sandbox's photo host on the media
 * allow-list, and job events for the page's timeline. Used by `startSandbox` and scripts/dev.ts.
 */
export const sandboxWorkerEnv = (o: {
  /** `https://127.0.0.1:<x port>` */
  xUrl: string
  caFile: string
  /** `host:port` of the sandbox's page, which serves the photos. */
  mediaHost: string
}): Record<string, string> => ({
  ...SANDBOX_X_KEYS,
  FLT_LOAD_TESTING_MODE: 'False',
  TWITTER_API_BASE_URL: o.xUrl,
  TWITTER_CA_FILE: o.caFile,
  MEDIA_ALLOWED_HOSTS: o.mediaHost,
  JOB_EVENTS: 'True',
})
