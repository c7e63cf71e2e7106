// `bun workers/src/main.ts <chat|tweet>`: the only file of the workers that reads the environment.
import { loadConfigOrExit, workerEnvSchema } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { installShutdown } from '@tweetbot/common/shutdown'
import sharp from 'sharp'
import { connectWorkerDeps } from './connect.ts'
import { createWorker } from './worker.ts'

const name = process.argv[2]
if (name !== 'chat' && name !== 'tweet') {
  console.error('usage: bun workers/src/main.ts <chat|tweet>')
  process.exit(2)
}
const service = `worker-${name}`
const config = loadConfigOrExit(
  service,
  workerEnvSchema,
  Bun.env,
  'See the Configuration section of README.md for every variable and its default.',
)
// Every photo is new: libvips' operation cache (50 MB by default) only holds memory here.
sharp.cache(false)
const logger = createLogger({ service, debug: config.FLT_DEBUG_MODE })
const worker = createWorker(config, name, connectWorkerDeps(config, name, logger))
const server = Bun.serve({ port: config.PORT, fetch: worker.app.fetch })
const metricsServer = Bun.serve({ port: config.METRICS_PORT, fetch: worker.metricsFetch })
installShutdown(
  [
    { name: 'worker', run: () => worker.stop() },
    { name: 'http', run: () => server.stop() },
    { name: 'metrics', run: () => metricsServer.stop() },
  ],
  { logger, graceMs: config.SHUTDOWN_GRACE_MS + 5_000 },
)
logger.info('worker listening', { queue: name, port: server.port, metricsPort: metricsServer.port })
await worker.start()
