import { z } from 'zod'
import { optionalPositiveInt, port, positiveInt } from './fields.ts'
import { sharedEnvSchema } from './shared.ts'

/**
 * tf-serving's environment. Model selection uses the names of the tensorflow/serving image:
 * the model is served from `$MODEL_BASE_PATH/$MODEL_NAME/<version>/`. Command-line flags in
 * tensorflow_model_server syntax (parsed in tf-serving/src/config/flags.ts) override these.
 */
export const tfServingEnvSchema = z.object({
  FLT_DEBUG_MODE: sharedEnvSchema.shape.FLT_DEBUG_MODE,
  /** REST port (`--rest_api_port` wins). */
  PORT: port(8501),
  MODEL_NAME: z
    .string()
    .regex(/^[^/:]+$/, 'must not contain / or :')
    .default('model'),
  MODEL_BASE_PATH: z.string().default('/models'),
  /** auto: tfjs-node when importable, else wasm. */
  TFJS_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /**
   * The module that provides the native `tensorflow` backend (default @tensorflow/tfjs-node):
   * another build of it, or a stand-in in tests. Its models are cross-checked against wasm.
   */
  TFJS_NATIVE_MODULE: z.string().min(1).optional(),
  /** Inference workers; unset: one per core. */
  TF_SERVING_WORKERS: optionalPositiveInt,
  /** thread (default, measured faster here) or process (a native crash stays in one worker). */
  TF_SERVING_WORKER_MODE: z.enum(['process', 'thread']).default('thread'),
  /** Largest request body accepted; larger ones get 413. */
  TF_SERVING_MAX_BODY_BYTES: positiveInt(32 * 1024 * 1024),
  /**
   * Most rows (instances, examples, dimension 0 of `inputs`) one request may carry; more get
   * 400 with TF Serving's batching wording. The bot sends one image per request.
   */
  TF_SERVING_MAX_BATCH_ROWS: positiveInt(32),
  /**
   * An inference worker whose WebAssembly heap (which never shrinks) grew past this many bytes
   * is replaced by a fresh one once its runs finish.
   */
  TF_SERVING_WORKER_MAX_HEAP_BYTES: positiveInt(512 * 1024 * 1024),
})
export type TfServingEnv = z.output<typeof tfServingEnvSchema>
