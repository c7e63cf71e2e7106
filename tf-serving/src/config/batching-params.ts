// TF Serving's --batching_parameters_file (BatchingParameters in text format), e.g.
//   max_batch_size { value: 32 }  batch_timeout_micros { value: 2000 }
//   max_enqueued_batches { value: 100 }  num_batch_threads { value: 2 }
// Fields may also be written bare (`max_batch_size: 32`). Unknown fields are ignored, as TF
// Serving's own session options (allowed_batch_sizes, pad_variable_length_inputs) do not apply.
// @see tensorflow_serving/servables/tensorflow/session_bundle_config.proto
import { isMessage, parseTextProto, type TextMessage } from './text-proto.ts'

export interface BatchingParameters {
  maxBatchSize: number
  batchTimeoutMicros: number
  maxEnqueuedBatches: number
  /** How many batches may run at once; defaults to the number of inference workers. */
  numBatchThreads: number | undefined
}

/** TF Serving's defaults (BasicBatchScheduler options) when --enable_batching has no file. */
export const DEFAULT_BATCHING: BatchingParameters = {
  maxBatchSize: 1000,
  batchTimeoutMicros: 0,
  maxEnqueuedBatches: 10,
  numBatchThreads: undefined,
}

const wrapped = (m: TextMessage, field: string): number | undefined => {
  const v = m[field]?.[0]
  if (v === undefined) return undefined
  const raw = isMessage(v) ? v.value?.[0] : v
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`batching parameters: ${field} must be a non-negative number`)
  return n
}

export const parseBatchingParameters = (text: string): BatchingParameters => {
  const m = parseTextProto(text)
  const maxBatchSize = wrapped(m, 'max_batch_size') ?? DEFAULT_BATCHING.maxBatchSize
  if (maxBatchSize < 1) throw new Error('batching parameters: max_batch_size must be at least 1')
  return {
    maxBatchSize,
    batchTimeoutMicros: wrapped(m, 'batch_timeout_micros') ?? DEFAULT_BATCHING.batchTimeoutMicros,
    maxEnqueuedBatches: Math.max(
      1,
      wrapped(m, 'max_enqueued_batches') ?? DEFAULT_BATCHING.maxEnqueuedBatches,
    ),
    numBatchThreads: wrapped(m, 'num_batch_threads'),
  }
}
