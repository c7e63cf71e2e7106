// tensorflow_model_server's command line: `--name=value`, `--name value`, bare `--flag` for
// booleans. Flags we do not implement but a TF Serving user may pass (gRPC port, monitoring
// config, …) are accepted and reported, so a command line written for the real server runs.
// @see tensorflow_serving/model_servers/main.cc
import { cpus } from 'node:os'
import { resolve } from 'node:path'
import type { TfServingEnv } from '@tweetbot/common/config'

export interface ServerOptions {
  restApiPort: number
  /** Single-model mode (ignored when modelConfigFile is set). */
  modelName: string
  modelBasePath: string
  modelConfigFile: string | undefined
  /** 0: look once at start-up only. */
  fileSystemPollWaitSeconds: number
  modelConfigFilePollWaitSeconds: number
  enableBatching: boolean
  batchingParametersFile: string | undefined
  restApiTimeoutMs: number
  maxBodyBytes: number
  /** Most rows (dimension 0) one request may carry. */
  maxBatchRows: number
  /** A worker whose WebAssembly heap grew past this is replaced (0: never). */
  workerMaxHeapBytes: number
  inferenceWorkers: number
  workerMode: 'process' | 'thread'
  backend: TfServingEnv['TFJS_BACKEND']
  /** TFJS_NATIVE_MODULE (undefined: @tensorflow/tfjs-node). */
  nativeModule?: string
  debug: boolean
  /** --rest_api_enable_cors_support: CORS headers on every REST answer. */
  enableCorsSupport: boolean
  /** Flags accepted for compatibility but without effect here. */
  ignored: string[]
  /** gRPC port (--port, default 8500); undefined: no gRPC server (--port=0). 0 here: any port. */
  grpcPort?: number
  /** Calls the gRPC server runs at once (--grpc_max_threads; default 4 per core, as TF Serving). */
  grpcMaxThreads?: number
  /** Largest gRPC request message (--grpc_max_message_bytes; default the REST body limit). */
  grpcMaxMessageBytes?: number
  /** --enable_serialization_as_tensor_content: gRPC Predict outputs as tensor_content. */
  tensorContentOutputs?: boolean
}

const BOOLEAN = new Set([
  'enable_batching',
  'allow_version_labels_for_unavailable_models',
  'enable_model_warmup',
  'rest_api_enable_cors_support',
  'enable_serialization_as_tensor_content',
])
const IGNORED = new Set([
  'grpc_socket_path',
  'rest_api_num_threads',
  'monitoring_config_file',
  'tensorflow_session_parallelism',
  'tensorflow_intra_op_parallelism',
  'tensorflow_inter_op_parallelism',
  'platform_config_file',
  'allow_version_labels_for_unavailable_models',
  'enable_model_warmup',
  'per_process_gpu_memory_fraction',
  'saved_model_tags',
  'ssl_config_file',
  'max_num_load_retries',
  'load_retry_interval_micros',
  'xla_cpu_compilation_enabled',
  'enable_signature_method_name_check',
])
const KNOWN = new Set([
  'rest_api_port',
  'model_name',
  'model_base_path',
  'model_config_file',
  'model_config_file_poll_wait_seconds',
  'file_system_poll_wait_seconds',
  'batching_parameters_file',
  'rest_api_timeout_in_ms',
  'rest_api_max_body_bytes',
  'rest_api_max_batch_rows',
  'inference_worker_max_heap_bytes',
  'inference_workers',
  'inference_worker_mode',
  'port',
  'grpc_max_threads',
  'grpc_max_message_bytes',
  ...BOOLEAN,
  ...IGNORED,
])

export class FlagError extends Error {
  override name = 'FlagError'
}

/** `--a=1 --b 2 --c` → { a: '1', b: '2', c: 'true' }. */
export const parseFlagArgs = (argv: string[]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const m = /^--?([A-Za-z0-9_]+)(?:=(.*))?$/.exec(arg)
    if (!m) throw new FlagError(`unexpected argument '${arg}' (flags look like --name=value)`)
    const name = m[1] as string
    if (!KNOWN.has(name)) throw new FlagError(`unknown flag --${name}`)
    if (m[2] !== undefined) out[name] = m[2]
    else if (BOOLEAN.has(name)) out[name] = 'true'
    else {
      const v = argv[++i]
      if (v === undefined) throw new FlagError(`--${name} needs a value`)
      out[name] = v
    }
  }
  return out
}

const num = (flags: Record<string, string>, name: string, fallback: number, min = 0) => {
  const raw = flags[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min)
    throw new FlagError(`--${name} must be a whole number >= ${min}`)
  return n
}

const bool = (flags: Record<string, string>, name: string) => {
  const raw = flags[name]
  if (raw === undefined) return false
  if (['true', '1', 'True'].includes(raw)) return true
  if (['false', '0', 'False'].includes(raw)) return false
  throw new FlagError(`--${name} must be true or false`)
}

export const resolveOptions = (argv: string[], env: TfServingEnv): ServerOptions => {
  const flags = parseFlagArgs(argv)
  const mode = flags.inference_worker_mode ?? env.TF_SERVING_WORKER_MODE
  if (mode !== 'process' && mode !== 'thread')
    throw new FlagError('--inference_worker_mode must be process or thread')
  const modelName = flags.model_name ?? env.MODEL_NAME
  const maxBodyBytes = num(flags, 'rest_api_max_body_bytes', env.TF_SERVING_MAX_BODY_BYTES, 1)
  const grpcPort = num(flags, 'port', 8500)
  return {
    restApiPort: num(flags, 'rest_api_port', env.PORT),
    modelName,
    // The tensorflow/serving image runs --model_base_path=${MODEL_BASE_PATH}/${MODEL_NAME}.
    modelBasePath: resolve(flags.model_base_path ?? `${env.MODEL_BASE_PATH}/${modelName}`),
    modelConfigFile: flags.model_config_file ? resolve(flags.model_config_file) : undefined,
    fileSystemPollWaitSeconds: num(flags, 'file_system_poll_wait_seconds', 1),
    modelConfigFilePollWaitSeconds: num(flags, 'model_config_file_poll_wait_seconds', 0),
    enableBatching: bool(flags, 'enable_batching'),
    batchingParametersFile: flags.batching_parameters_file
      ? resolve(flags.batching_parameters_file)
      : undefined,
    restApiTimeoutMs: num(flags, 'rest_api_timeout_in_ms', 30_000),
    maxBodyBytes,
    maxBatchRows: num(flags, 'rest_api_max_batch_rows', env.TF_SERVING_MAX_BATCH_ROWS, 1),
    workerMaxHeapBytes: num(
      flags,
      'inference_worker_max_heap_bytes',
      env.TF_SERVING_WORKER_MAX_HEAP_BYTES,
    ),
    inferenceWorkers: num(
      flags,
      'inference_workers',
      env.TF_SERVING_WORKERS ?? (cpus().length || 1),
      1,
    ),
    workerMode: mode,
    backend: env.TFJS_BACKEND,
    nativeModule: env.TFJS_NATIVE_MODULE,
    debug: env.FLT_DEBUG_MODE,
    enableCorsSupport: bool(flags, 'rest_api_enable_cors_support'),
    ignored: Object.keys(flags).filter((f) => IGNORED.has(f)),
    grpcPort: grpcPort === 0 ? undefined : grpcPort,
    grpcMaxThreads: num(flags, 'grpc_max_threads', 4 * (cpus().length || 1), 1),
    // gRPC carries tensors as binary, 3-4x smaller than REST's JSON: the same byte limit admits
    // the same requests and more.
    grpcMaxMessageBytes: num(flags, 'grpc_max_message_bytes', maxBodyBytes, 1),
    tensorContentOutputs: bool(flags, 'enable_serialization_as_tensor_content'),
  }
}
