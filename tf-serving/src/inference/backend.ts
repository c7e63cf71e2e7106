// Picks the TensorFlow.js runtime for an inference worker: native libtensorflow through
// @tensorflow/tfjs-node when it can be imported (it is an optional dependency, often absent),
// else @tensorflow/tfjs on the WebAssembly backend. TFJS_BACKEND forces a choice.
import type * as TfModule from '@tensorflow/tfjs'

export type Tf = typeof TfModule
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu'
export interface SelectedBackend {
  tf: Tf
  /** tf.getBackend() after initialisation: `tensorflow`, `wasm` or `cpu`. */
  name: string
  /** Why this backend (shown in logs and /readyz). */
  reason: string
}

// A variable keeps bundlers and tsc from resolving the optional package at build time.
const TFJS_NODE = '@tensorflow/tfjs-node'

const tryNode = async (): Promise<Tf | undefined> => {
  try {
    return (await import(TFJS_NODE)) as Tf
  } catch {
    return undefined
  }
}

const useWasm = async (): Promise<Tf> => {
  const tf = await import('@tensorflow/tfjs')
  await import('@tensorflow/tfjs-backend-wasm')
  // Bun has no WebAssembly threads, so the single-threaded SIMD build is what runs; the pool
  // gets parallelism from several workers instead.
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise')
  await tf.ready()
  return tf
}

export const selectBackend = async (choice: BackendChoice = 'auto'): Promise<SelectedBackend> => {
  if (choice === 'auto' || choice === 'tensorflow') {
    const node = await tryNode()
    if (node) {
      await node.setBackend('tensorflow')
      await node.ready()
      return { tf: node, name: node.getBackend(), reason: `${TFJS_NODE} importable` }
    }
    if (choice === 'tensorflow')
      throw new Error(`TFJS_BACKEND=tensorflow but ${TFJS_NODE} cannot be imported`)
  }
  if (choice === 'cpu') {
    const tf = await import('@tensorflow/tfjs')
    await tf.setBackend('cpu')
    await tf.ready()
    return { tf, name: tf.getBackend(), reason: 'TFJS_BACKEND=cpu' }
  }
  const tf = await useWasm()
  const reason = choice === 'wasm' ? 'TFJS_BACKEND=wasm' : `${TFJS_NODE} not importable`
  return { tf, name: tf.getBackend(), reason }
}

export const parseBackendChoice = (value: string | undefined): BackendChoice => {
  const v = (value ?? 'auto').toLowerCase()
  if (v === 'auto' || v === 'wasm' || v === 'cpu') return v
  if (v === 'tensorflow' || v === 'node' || v === 'tfjs-node') return 'tensorflow'
  throw new Error(`TFJS_BACKEND must be auto, tensorflow, wasm or cpu (got ${value})`)
}

/**
 * Bytes of WebAssembly memory the wasm backend holds. It only ever grows (WebAssembly memory
 * cannot shrink), so it is the high-water mark of every run so far; other backends free their
 * tensors' memory and report 0.
 */
export const wasmHeapBytes = (tf: Tf): number => {
  const backend = tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? 0
}
