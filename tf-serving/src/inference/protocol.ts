// Messages between the HTTP process and its inference workers (threads or child processes).
// Everything here survives structuredClone; tensors travel as typed arrays.
import type { SignatureDef } from '../loaders/types.ts'
import type { Deadline } from './deadline.ts'

/** What a native-vs-WebAssembly comparison found (inference/cross-check.ts). */
export interface CrossCheckResult {
  outcome: 'ok' | 'mismatch' | 'error' | 'skipped'
  /** What differed or failed (empty when ok). */
  detail: string
}

/** A load's native-vs-WebAssembly cross-check, and the backend the worker serves with after it. */
export type CrossCheckReport = CrossCheckResult & { model: string; backend: string }

export type WireDtype = 'float32' | 'int32' | 'bool' | 'string'

export interface WireTensor {
  dtype: WireDtype
  shape: number[]
  /** float32 → Float32Array, int32 → Int32Array, bool → Uint8Array (0/1), string → bytes per element. */
  data: Float32Array | Int32Array | Uint8Array | Uint8Array[]
}

export type TensorMap = Record<string, WireTensor>

export interface ServableForWorker {
  kind: 'layers' | 'graph'
  artifacts: import('@tensorflow/tfjs').io.ModelArtifacts
  signatures: Record<string, SignatureDef>
}

export type ToWorker =
  | { type: 'load'; id: number; key: string; servable: ServableForWorker }
  | { type: 'unload'; id: number; key: string }
  | {
      type: 'run'
      id: number
      key: string
      signature: string
      inputs: TensorMap
      outputs: string[]
    }

export type FromWorker =
  | { type: 'ready'; backend: string; reason: string }
  /** heapBytes: the worker's WebAssembly heap after a run (0 on backends without one). */
  | {
      type: 'done'
      id: number
      outputs?: TensorMap
      heapBytes?: number
      crossCheck?: CrossCheckReport
    }
  | { type: 'failed'; id: number; message: string; heapBytes?: number }
  | { type: 'fatal'; message: string }

/**
 * The buffers to transfer (not copy) with a message carrying `tensors`, each listed once: two
 * tensors may share one (two output aliases of one tensor on the cpu backend), and postMessage
 * refuses a transfer list naming a buffer twice.
 */
export const transferables = (tensors: TensorMap): ArrayBuffer[] => {
  const buffers = new Set<ArrayBuffer>()
  for (const t of Object.values(tensors))
    if (!Array.isArray(t.data) && t.data.buffer instanceof ArrayBuffer) buffers.add(t.data.buffer)
  return [...buffers]
}

/**
 * Runs one request's tensors on a servable's signature: the pool directly, or the batcher in
 * front of it. A run still queued when its `deadline` passes is dropped from the queue it waits in.
 */
export type Runner = (
  key: string,
  signature: string,
  inputs: TensorMap,
  outputs: string[],
  deadline?: Deadline,
) => Promise<TensorMap>
