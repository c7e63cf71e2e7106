import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { silentLogger } from '@tweetbot/common/log'
import type { ServerOptions } from '../../src/config/flags.ts'
import { startServer } from '../../src/server.ts'

/** Server options for in-process tests: port 0, one worker thread, no polling unless asked. */
export const testOptions = (over: Partial<ServerOptions>): ServerOptions => ({
  restApiPort: 0,
  modelName: 'model',
  modelBasePath: '/nonexistent',
  modelConfigFile: undefined,
  fileSystemPollWaitSeconds: 0,
  modelConfigFilePollWaitSeconds: 0,
  enableBatching: false,
  batchingParametersFile: undefined,
  restApiTimeoutMs: 30_000,
  maxBodyBytes: 1024 * 1024,
  maxBatchRows: 32,
  workerMaxHeapBytes: 512 * 1024 * 1024,
  inferenceWorkers: 1,
  workerMode: 'thread',
  backend: 'auto',
  debug: false,
  enableCorsSupport: false,
  ignored: [],
  ...over,
})

/**
 * A real in-process server of the toy model under `root/toy`, batching with the text-format
 * `params`; each call writes its own parameters file. Collect the servers to stop them after.
 */
export const startBatchingServer = async (
  root: string,
  servers: { stop(): Promise<void> | void }[],
  params: string,
  over: Partial<ServerOptions> = {},
) => {
  const file = join(root, `batching-${servers.length}.txt`)
  await writeFile(file, params)
  const s = await startServer(
    testOptions({
      modelName: 'toy',
      modelBasePath: join(root, 'toy'),
      enableBatching: true,
      batchingParametersFile: file,
      ...over,
    }),
    silentLogger,
  )
  servers.push(s)
  return s
}

/**
 * Writes `config` (text-format ModelConfigList, base paths relative to `root`) as
 * `root/models.config` and starts a real in-process server on it.
 */
export const startWithModelConfig = async (
  root: string,
  config: string,
  over: Partial<ServerOptions> = {},
  logger = silentLogger,
) => {
  const file = join(root, 'models.config')
  await writeFile(file, config)
  const server = await startServer(testOptions({ modelConfigFile: file, ...over }), logger)
  return { server, base: `http://127.0.0.1:${server.port}` }
}
