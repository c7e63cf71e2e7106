import type { Logger } from '@tweetbot/common/log'
import type { Registry } from 'prom-client'
import type { TensorMap } from '../inference/protocol.ts'
import type { ModelManager } from '../manager/model-manager.ts'
import type { ServingMetrics } from '../metrics.ts'

/** Runs one request's tensors: the batcher when batching is on, else the pool directly. */
export type Runner = (
  key: string,
  signature: string,
  inputs: TensorMap,
  outputs: string[],
) => Promise<TensorMap>

export interface AppDeps {
  manager: Pick<ModelManager, 'acquire' | 'status' | 'summary' | 'labelVersion'>
  run: Runner
  logger: Logger
  registry: Registry
  metrics: ServingMetrics
  maxBodyBytes: number
  /** Facts for /readyz. */
  info: () => {
    backend: string
    backendReason: string
    workers: number
    workerMode: string
    batching: boolean
  }
}
