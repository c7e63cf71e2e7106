// Cuts ParseExample / ParseExampleV2 nodes out of the graph. TensorFlow.js cannot parse
// serialized tf.Example protos, and TF Serving's REST API receives examples as JSON anyway, so
// each dense output becomes a placeholder that the server fills straight from the JSON.
// Sparse and ragged outputs are left pointing at the parse node: if a signature needs them, the
// op check reports the parse node as unsupported at load time.
import type { ExampleFeature } from '../example/types.ts'
import type { AttrValue } from '../proto/types.ts'
import type { GNode } from './flatten.ts'
import { decodeTensorProto, numElements, shapeOf } from './host-tensor.ts'
import { outputArgRange } from './output-index.ts'
import { formatRef, parseRef } from './refs.ts'
import { traceRef } from './trace.ts'

export interface ParseCut {
  parseNode: string
  /** Node the serialized examples come from (a placeholder or a signature input). */
  serializedFrom: string
  features: ExampleFeature[]
}

const decoder = new TextDecoder()

/** Value of a constant input, looking through Identity and Reshape (defaults are reshaped). */
const constValue = (nodes: Map<string, GNode>, ref: string) => {
  let r = traceRef(nodes, ref)
  for (let hops = 0; r && hops < 100; hops++) {
    const n = nodes.get(r.node)
    if (!n) return undefined
    if (n.op === 'Const' && n.attr.value?.tensor)
      return decodeTensorProto(n.attr.value.tensor, n.name)
    if (n.op !== 'Reshape' || !n.inputs[0]) return undefined
    r = traceRef(nodes, n.inputs[0])
  }
  return undefined
}

const strings = (nodes: Map<string, GNode>, ref: string | undefined): string[] => {
  if (!ref) return []
  const t = constValue(nodes, ref)
  if (t?.dtype !== 'string') throw new Error(`'${ref}' is not a constant string tensor`)
  return (t.data as Uint8Array[]).map((b) => decoder.decode(b))
}

const listTypes = (a: AttrValue | undefined) => a?.list?.type ?? []

export const cutParseExamples = (nodes: Map<string, GNode>): ParseCut[] => {
  const cuts: ParseCut[] = []
  const rename = new Map<string, string>()
  for (const n of [...nodes.values()]) {
    if (n.op !== 'ParseExample' && n.op !== 'ParseExampleV2') continue
    const v2 = n.op === 'ParseExampleV2'
    const nSparse = (v2 ? n.attr.num_sparse?.i : n.attr.Nsparse?.i) ?? 0
    const tdense = listTypes(n.attr.Tdense)
    const shapes = n.attr.dense_shapes?.list?.shape ?? []
    const keys = v2
      ? strings(nodes, n.inputs[3])
      : n.inputs.slice(2 + nSparse, 2 + nSparse + tdense.length).flatMap((r) => strings(nodes, r))
    const defaultsStart = v2 ? 5 : 2 + nSparse + tdense.length
    const range = outputArgRange(n.op, n.attr, 'dense_values')
    if (!range || keys.length !== tdense.length)
      throw new Error(`${n.op} node '${n.name}': cannot read its dense keys`)
    const serialized = n.inputs[0] ? traceRef(nodes, n.inputs[0]) : undefined
    const features: ExampleFeature[] = keys.map((key, k) => {
      const tensor = `${n.name}/dense_values_${k}`
      const dtype = tdense[k]!
      nodes.set(tensor, {
        name: tensor,
        op: 'Placeholder',
        inputs: [],
        attr: { dtype: { type: dtype } },
      })
      rename.set(formatRef(n.name, range.start + k), tensor)
      const def = constValue(nodes, n.inputs[defaultsStart + k] ?? '')
      const defValues =
        def && numElements(def.shape) > 0
          ? def.dtype === 'string'
            ? (def.data as Uint8Array[]).map((b) => decoder.decode(b))
            : Array.from(def.data as ArrayLike<number>)
          : null
      return { key, dtype, shape: shapeOf(shapes[k]), default: defValues, tensor }
    })
    cuts.push({ parseNode: n.name, serializedFrom: serialized?.node ?? '', features })
  }
  if (rename.size > 0)
    for (const node of nodes.values())
      node.inputs = node.inputs.map((ref) => {
        const r = parseRef(ref)
        return rename.get(formatRef(r.node, r.index)) ?? ref
      })
  return cuts
}
