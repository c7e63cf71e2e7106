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
  /** The native module's backend: each model load is cross-checked against `wasm`. */
  native: boolean
}

// A variable keeps bundlers and tsc from resolving the optional package at build time.
export const TFJS_NODE = '@tensorflow/tfjs-node'

const tryNode = async (module: string): Promise<Tf | undefined> => {
  try {
    return (await import(module)) as Tf
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

/**
 * `nativeModule` is the module providing the native `tensorflow` backend: @tensorflow/tfjs-node
 * unless TFJS_NATIVE_MODULE names another build of it (or, in tests, a stand-in).
 */
export const selectBackend = async (
  choice: BackendChoice = 'auto',
  nativeModule: string = TFJS_NODE,
): Promise<SelectedBackend> => {
  if (choice === 'auto' || choice === 'tensorflow') {
    const node = await tryNode(nativeModule)
    if (node) {
      await node.setBackend('tensorflow')
      await node.ready()
      // The WebAssembly backend is registered too: the cross-check runs every model on both
      // (without it, each check reports itself skipped rather than stopping the worker).
      await import('@tensorflow/tfjs-backend-wasm').catch(() => undefined)
      return {
        tf: node,
        name: node.getBackend(),
        reason: `${nativeModule} importable`,
        native: true,
      }
    }
    if (choice === 'tensorflow')
      throw new Error(`TFJS_BACKEND=tensorflow but ${nativeModule} cannot be imported`)
  }
  if (choice === 'cpu') {
    const tf = await import('@tensorflow/tfjs')
    await tf.setBackend('cpu')
    await tf.ready()
    return { tf, name: tf.getBackend(), reason: 'TFJS_BACKEND=cpu', native: false }
  }
  const tf = await useWasm()
  const reason = choice === 'wasm' ? 'TFJS_BACKEND=wasm' : `${nativeModule} not importable`
  return { tf, name: tf.getBackend(), reason, native: false }
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
