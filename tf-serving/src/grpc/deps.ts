import type { AppDeps } from '../routes/deps.ts'

/** What the gRPC services share with the REST app: the same manager, runner and metrics. */
export interface GrpcDeps extends Pick<AppDeps, 'manager' | 'run' | 'logger' | 'metrics'> {
  /** --enable_serialization_as_tensor_content: Predict outputs as tensor_content. */
  tensorContentOutputs: boolean
  /** Applies a new model config list (HandleReloadConfigRequest); resolves when loads finish. */
  reloadConfig: (configs: import('../config/model-config.ts').ModelConfig[]) => Promise<void>
}
