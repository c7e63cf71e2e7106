// Every service's environment schema and the loader that turns a bad environment into one clear
// start-up error. The schemas are the one source of truth for variables, defaults and docs.
export { flag, httpUrl, port, secret, xApiBaseUrl } from './fields.ts'
export { ConfigError, loadConfig, loadConfigOrExit } from './load-config.ts'
export {
  type MasterConfig,
  type MasterEdgeConfig,
  masterEdgeEnvSchema,
  masterEnvSchema,
  WEBHOOK_LIMIT_DEFAULTS,
} from './master.ts'
export { REAL_X_KEYS, type SandboxConfig, sandboxEnvSchema } from './sandbox.ts'
export { type SharedConfig, sharedEnvSchema } from './shared.ts'
export { type TfServingEnv, tfServingEnvSchema } from './tf-serving.ts'
export { DEFAULT_MODEL_LABELS, type WorkerConfig, workerEnvSchema } from './worker.ts'
