// Runs servables on one TensorFlow.js runtime. One executor lives in each inference worker; the
// benchmark also uses one in-process to measure raw predict latency.
import type { GraphModel, LayersModel, Tensor } from '@tensorflow/tfjs'
import { DEFAULT_SIGNATURE, type SignatureDef } from '../loaders/types.ts'
import { ownValue, setOwn } from '../rest/own.ts'
import type { Tf } from './backend.ts'
import { compareOutputs, probeInputs } from './cross-check.ts'
import type { CrossCheckResult, ServableForWorker, TensorMap, WireTensor } from './protocol.ts'

interface Loaded {
  servable: ServableForWorker
  layers?: LayersModel
  graph?: GraphModel
}

const toTensor = (tf: Tf, t: WireTensor): Tensor => {
  if (t.dtype === 'string') return tf.tensor(t.data as Uint8Array[], t.shape, 'string')
  if (t.dtype === 'bool') return tf.tensor(t.data as Uint8Array, t.shape, 'bool')
  return tf.tensor(t.data as Float32Array | Int32Array, t.shape, t.dtype)
}

const fromTensor = async (t: Tensor): Promise<WireTensor> => {
  const shape = t.shape.slice()
  if (t.dtype === 'string')
    return { dtype: 'string', shape, data: (await t.bytes()) as Uint8Array[] }
  // Copied: the worker transfers the buffer away, and t.data() may return the backend's own
  // storage (the cpu backend does; a graph's Identity of a Const shares the weight's).
  const data = await t.data()
  if (t.dtype === 'bool') return { dtype: 'bool', shape, data: new Uint8Array(data) }
  if (t.dtype === 'int32') return { dtype: 'int32', shape, data: new Int32Array(data) }
  return { dtype: 'float32', shape, data: new Float32Array(data) }
}

export const createExecutor = (tf: Tf) => {
  const models = new Map<string, Loaded>()

  const unload = (key: string) => {
    const m = models.get(key)
    m?.layers?.dispose()
    m?.graph?.dispose()
    models.delete(key)
  }

  // A reload of the same key frees the model it replaces.
  const load = async (key: string, servable: ServableForWorker) => {
    const handler = tf.io.fromMemory(servable.artifacts)
    const loaded: Loaded =
      servable.kind === 'layers'
        ? { servable, layers: await tf.loadLayersModel(handler) }
        : { servable, graph: await tf.loadGraphModel(handler) }
    unload(key)
    models.set(key, loaded)
  }

  /** Feeds `inputs` (keyed by signature alias) and returns the requested output aliases. */
  const run = async (
    key: string,
    signatureName: string,
    inputs: TensorMap,
    outputAliases: string[],
  ): Promise<TensorMap> => {
    const m = models.get(key)
    if (!m) throw new Error(`servable ${key} is not loaded in this worker`)
    const sig = ownValue(m.servable.signatures, signatureName)
    if (!sig) throw new Error(`signature ${signatureName} not found`)
    const fed: Tensor[] = []
    const produced: Tensor[] = []
    try {
      const byName: Record<string, Tensor> = {}
      // SavedModel tf.Example signatures arrive already keyed by placeholder name.
      if (sig.examples)
        for (const [name, wire] of Object.entries(inputs)) {
          const t = toTensor(tf, wire)
          fed.push(t)
          setOwn(byName, name, t)
        }
      else
        for (const [alias, spec] of Object.entries(sig.inputs)) {
          const wire = ownValue(inputs, alias)
          if (!wire) throw new Error(`missing input ${alias}`)
          const t = toTensor(tf, wire)
          fed.push(t)
          setOwn(byName, spec.name, t)
        }
      const outNames = outputAliases.map((a) => {
        const spec = ownValue(sig.outputs, a)
        if (!spec) throw new Error(`unknown output ${a}`)
        return spec.name
      })
      let results: Tensor[]
      if (m.layers) {
        const model = m.layers
        const ordered = model.inputNames.map((n) => {
          const t = ownValue(byName, n)
          if (!t) throw new Error(`model input ${n} is not in signature ${signatureName}`)
          return t
        })
        const out = model.predict(ordered.length === 1 ? (ordered[0] as Tensor) : ordered)
        const all = Array.isArray(out) ? out : [out]
        produced.push(...all)
        results = outNames.map((n) => {
          const i = model.outputNames.indexOf(n)
          const t = all[i]
          if (!t) throw new Error(`model has no output ${n}`)
          return t
        })
      } else {
        const out = await (m.graph as GraphModel).executeAsync(byName, outNames)
        results = Array.isArray(out) ? out : [out]
        produced.push(...results)
      }
      const outputs: TensorMap = {}
      for (const [i, alias] of outputAliases.entries())
        outputs[alias] = await fromTensor(results[i] as Tensor)
      return outputs
    } finally {
      for (const t of fed) t.dispose()
      for (const t of produced) t.dispose()
    }
  }

  /**
   * Runs one probe batch of `key` on the current backend and on `reference`, then switches back
   * (tensors move between backends as they are used). One signature is probed: serving_default
   * when it can be, else the first one whose inputs a probe can fill.
   */
  const crossCheck = async (key: string, reference: string): Promise<CrossCheckResult> => {
    const m = models.get(key)
    if (!m) throw new Error(`servable ${key} is not loaded in this worker`)
    const keys = Object.keys(m.servable.signatures).sort((a, b) =>
      a === DEFAULT_SIGNATURE ? -1 : b === DEFAULT_SIGNATURE ? 1 : a.localeCompare(b),
    )
    const sigKey = keys.find((k) => probeInputs(m.servable.signatures[k] as SignatureDef))
    if (!sigKey)
      return { outcome: 'skipped', detail: 'no signature a probe can feed (strings only)' }
    const sig = m.servable.signatures[sigKey] as SignatureDef
    const outputs = Object.keys(sig.outputs).sort()
    const probe = () => probeInputs(sig) as TensorMap
    const primary = tf.getBackend()
    const attempt = () =>
      run(key, sigKey, probe(), outputs).then(
        (out) => ({ out, err: undefined }),
        (err: unknown) => ({ out: undefined, err: (err as Error).message ?? String(err) }),
      )
    const native = await attempt()
    let switched = false
    try {
      switched = await tf.setBackend(reference)
    } catch {}
    if (!switched) {
      await tf.setBackend(primary)
      return {
        outcome: 'skipped',
        detail: `the ${reference} backend is not available to compare with`,
      }
    }
    let want: Awaited<ReturnType<typeof attempt>>
    try {
      want = await attempt()
    } finally {
      await tf.setBackend(primary)
    }
    // A probe the model refuses on both backends says nothing about the native one.
    if (native.err && want.err)
      return { outcome: 'skipped', detail: `the probe fails on both backends: ${want.err}` }
    if (native.err)
      return { outcome: 'error', detail: `${primary} failed on signature ${sigKey}: ${native.err}` }
    if (want.err)
      return {
        outcome: 'skipped',
        detail: `${reference} failed on signature ${sigKey}: ${want.err}`,
      }
    const diff = compareOutputs(native.out as TensorMap, want.out as TensorMap)
    return diff
      ? { outcome: 'mismatch', detail: `signature ${sigKey}: ${diff}` }
      : { outcome: 'ok', detail: '' }
  }

  return { load, unload, run, crossCheck }
}
export type Executor = ReturnType<typeof createExecutor>
