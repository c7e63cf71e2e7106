// Runs servables on one TensorFlow.js runtime. One executor lives in each inference worker; the
// benchmark also uses one in-process to measure raw predict latency.
import type { GraphModel, LayersModel, Tensor } from '@tensorflow/tfjs'
import { ownValue } from '../rest/own.ts'
import type { Tf } from './backend.ts'
import type { ServableForWorker, TensorMap, WireTensor } from './protocol.ts'

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
      const byName = new Map<string, Tensor>()
      // SavedModel tf.Example signatures arrive already keyed by placeholder name.
      if (sig.examples)
        for (const [name, wire] of Object.entries(inputs)) {
          const t = toTensor(tf, wire)
          fed.push(t)
          byName.set(name, t)
        }
      else
        for (const [alias, spec] of Object.entries(sig.inputs)) {
          const wire = ownValue(inputs, alias)
          if (!wire) throw new Error(`missing input ${alias}`)
          const t = toTensor(tf, wire)
          fed.push(t)
          byName.set(spec.name, t)
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
          const t = byName.get(n)
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
        const out = await (m.graph as GraphModel).executeAsync(Object.fromEntries(byName), outNames)
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

  return { load, unload, run }
}
export type Executor = ReturnType<typeof createExecutor>
