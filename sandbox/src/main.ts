// `bun run sandbox`: the only file of the sandbox that reads the environment.
import { resolve } from 'node:path'
import { loadConfigOrExit, sandboxEnvSchema } from '@tweetbot/common/config'
import { startSandbox } from './sandbox.ts'

const config = loadConfigOrExit(
  'sandbox',
  sandboxEnvSchema,
  Bun.env,
  'See "Try it" and the Configuration section of README.md.',
)
const sandbox = await startSandbox({
  host: config.SANDBOX_HOST,
  port: config.SANDBOX_PORT,
  xPort: config.SANDBOX_X_PORT,
  caFile: resolve(config.SANDBOX_CA_FILE),
  botId: config.SANDBOX_BOT_ID,
  bot: {
    masterUrl: config.MASTER_URL,
    consumerSecret: config.TWITTER_CONSUMER_SECRET,
    workerUrls: config.WORKER_URLS,
    predictUrl: config.TF_SERVER_URL,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
  },
})
console.info(
  `sandbox: fake X API on ${sandbox.x.url} (certificate in ${resolve(config.SANDBOX_CA_FILE)})`,
)
console.info(`sandbox: open ${sandbox.url} and drop a photo`)

const stop = async () => {
  await sandbox.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
