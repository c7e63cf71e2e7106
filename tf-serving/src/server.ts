// Assembles a running server from resolved options: inference pool, model manager, optional
// batcher, HTTP app. main.ts calls it with flags/env; tests and the bench call it directly.
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
import { createApp } from './app.ts'
import { Batcher } from './batching/batcher.ts'
import { DEFAULT_BATCHING, parseBatchingParameters } from './config/batching-params.ts'
import { FlagError, type ServerOptions } from './config/flags.ts'
import { type ModelConfig, parseModelConfig } from './config/model-config.ts'
import { type GrpcServer, startGrpcServer } from './grpc/grpc-server.ts'
import { InferencePool } from './inference/pool.ts'
import type { Runner } from './inference/protocol.ts'
import { withDeadline, withRowLimit } from './inference/run-limits.ts'
import { ModelManager } from './manager/model-manager.ts'
import { createServingMetrics } from './metrics.ts'

/**
 * Reads and parses a file named by a flag. Any failure is a FlagError naming the flag and file
 * (main.ts: one line, exit 2), not a stack trace.
 */
const readFlagFile = async <T>(flag: string, path: string, parse: (text: string) => T) => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as { code?: string }).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : err
    throw new FlagError(`--${flag}=${path}: cannot read: ${why}`)
  }
  try {
    return parse(text)
  } catch (err) {
    throw new FlagError(`--${flag}=${path}: ${(err as Error).message}`)
  }
}

const readModelConfigs = async (opts: ServerOptions): Promise<ModelConfig[]> => {
  if (!opts.modelConfigFile)
    return [
      {
        name: opts.modelName,
        basePath: opts.modelBasePath,
        platform: 'tensorflow',
        policy: { kind: 'latest', numVersions: 1 },
        labels: {},
      },
    ]
  const file = opts.modelConfigFile
  return readFlagFile('model_config_file', file, (text) => parseModelConfig(text, dirname(file)))
}

/** --enable_batching's parameters: the file's, TF Serving's defaults without one, or none. */
const readBatchingParameters = async (opts: ServerOptions) => {
  if (!opts.enableBatching) return undefined
  if (!opts.batchingParametersFile) return DEFAULT_BATCHING
  const file = opts.batchingParametersFile
  return readFlagFile('batching_parameters_file', file, parseBatchingParameters)
}

export const startServer = async (opts: ServerOptions, logger: Logger) => {
  // The files flags name are read first: a bad one stops start-up before any worker is spawned.
  const configs = await readModelConfigs(opts)
  const batching = await readBatchingParameters(opts)
  const registry = createMetricsRegistry('tf-serving')
  let batcher: Batcher | undefined
  let pool: InferencePool | undefined
  const metrics = createServingMetrics(
    registry,
    () => batcher?.queuedTasks ?? 0,
    () => pool?.fellBack ?? false,
  )
  pool = new InferencePool({
    size: opts.inferenceWorkers,
    mode: opts.workerMode,
    logger,
    env: {
      TFJS_BACKEND: opts.backend,
      ...(opts.nativeModule ? { TFJS_NATIVE_MODULE: opts.nativeModule } : {}),
    },
    maxHeapBytes: opts.workerMaxHeapBytes,
    onCrossCheck: (report) => metrics.crossChecks.inc({ outcome: report.outcome }),
  })
  const backend = await pool.start()
  logger.info('inference workers ready', {
    backend: backend.backend,
    reason: backend.reason,
    workers: opts.inferenceWorkers,
    mode: opts.workerMode,
  })

  const direct: Runner = (key, sig, inputs, outputs, deadline) =>
    pool.run(key, sig, inputs, outputs, deadline)
  let run: Runner = async (key, sig, inputs, outputs, deadline) => {
    const rows = Object.values(inputs)[0]?.shape[0] ?? 1
    metrics.batchSize.observe(rows)
    metrics.batchTasks.observe(1)
    return direct(key, sig, inputs, outputs, deadline)
  }
  if (batching) {
    const b = new Batcher(
      { ...batching, numBatchThreads: batching.numBatchThreads ?? opts.inferenceWorkers },
      direct,
      {
        onBatch: (rows, tasks) => {
          metrics.batchSize.observe(rows)
          metrics.batchTasks.observe(tasks)
        },
      },
    )
    batcher = b
    run = (key, sig, inputs, outputs, deadline) => b.submit(key, sig, inputs, outputs, deadline)
    logger.info('dynamic batching on', { ...batching, numBatchThreads: b.threads })
  }

  run = withRowLimit(withDeadline(run, opts.restApiTimeoutMs), opts.maxBatchRows)

  const manager = new ModelManager({
    host: pool,
    logger,
    pollSeconds: opts.fileSystemPollWaitSeconds,
  })
  manager.setConfig(configs)
  await manager.start()
  /** A new model list, applied now: by the config file's re-read and gRPC's ReloadConfig alike. */
  const applyConfig = async (configs: ModelConfig[]) => {
    manager.setConfig(configs)
    await manager.poll()
  }

  // --model_config_file_poll_wait_seconds: re-read the config file, apply what changed.
  let configTimer: ReturnType<typeof setInterval> | undefined
  if (opts.modelConfigFile && opts.modelConfigFilePollWaitSeconds > 0)
    configTimer = setInterval(() => {
      readModelConfigs(opts)
        .then(applyConfig)
        .catch((err: unknown) => logger.error('model config reload failed', { err }))
    }, opts.modelConfigFilePollWaitSeconds * 1000)

  const app = createApp({
    manager,
    run,
    logger,
    registry,
    metrics,
    maxBodyBytes: opts.maxBodyBytes,
    enableCors: opts.enableCorsSupport,
    info: () => ({
      backend: pool.backend,
      backendReason: pool.backendReason,
      backendCrossCheck: pool.crossCheck,
      workers: pool.size,
      workerMode: opts.workerMode,
      batching: opts.enableBatching,
    }),
  })
  const http = Bun.serve({
    port: opts.restApiPort,
    hostname: '0.0.0.0',
    fetch: app.fetch,
    // Bun's own limit only backstops the app's (which answers 413 with TF Serving's JSON error).
    maxRequestBodySize: Math.max(opts.maxBodyBytes * 4, 256 * 1024 * 1024),
    idleTimeout: Math.min(255, Math.ceil(opts.restApiTimeoutMs / 1000) + 5),
  })
  logger.info('REST API listening', { port: http.port, models: manager.summary() })

  let grpc: GrpcServer | undefined
  const stop = async () => {
    if (configTimer) clearInterval(configTimer)
    await grpc?.stop()
    await http.stop()
    await manager.stop()
    await pool.close()
  }

  // gRPC on --port beside REST, over the same manager and runner (batcher, pool, timeout).
  if (opts.grpcPort !== undefined) {
    grpc = await startGrpcServer(
      {
        manager,
        run,
        logger,
        metrics,
        tensorContentOutputs: opts.tensorContentOutputs ?? false,
        reloadConfig: applyConfig,
      },
      {
        port: opts.grpcPort,
        maxMessageBytes: opts.grpcMaxMessageBytes ?? opts.maxBodyBytes,
        maxConcurrentCalls: opts.grpcMaxThreads ?? 4 * opts.inferenceWorkers,
        ready: () => manager.summary().every((m) => m.available.length > 0),
      },
    ).catch(async (err: unknown) => {
      await stop()
      throw new FlagError(`--port=${opts.grpcPort}: cannot listen: ${(err as Error).message}`)
    })
    logger.info('gRPC API listening', { port: grpc.port })
  }

  return {
    app,
    http,
    pool,
    manager,
    batcher,
    registry,
    stop,
    port: http.port as number,
    grpcPort: grpc?.port,
    grpc,
  }
}
