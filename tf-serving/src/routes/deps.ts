import type { Logger } from '@tweetbot/common/log'
import type { Registry } from 'prom-client'
import type { CrossCheckReport, Runner } from '../inference/protocol.ts'
import type { ModelManager } from '../manager/model-manager.ts'
import type { ServingMetrics } from '../metrics.ts'

export interface AppDeps {
  manager: Pick<ModelManager, 'acquire' | 'status' | 'summary' | 'labelVersion' | 'isConfigured'>
  run: Runner
  logger: Logger
  registry: Registry
  metrics: ServingMetrics
  maxBodyBytes: number
  /** --rest_api_enable_cors_support: CORS headers on every REST answer. */
  enableCors?: boolean
  /** Facts for /readyz. */
  info: () => {
    backend: string
    backendReason: string
    /** The native backend's cross-check at model loads (undefined: not on the native backend). */
    backendCrossCheck?: CrossCheckReport
    workers: number
    workerMode: string
    batching: boolean
  }
}
