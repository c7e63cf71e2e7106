import type { ServerOptions } from '../../src/config/flags.ts'

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
