// Which checkpoint tensor holds each variable's value. Three sources, in order of authority:
// 1. the restore op the SavedModel itself runs at load time (TF Serving runs `restore_op_name`):
//    RestoreV2's `tensor_names` constant, and the Assign/AssignVariableOp that stores its k-th
//    output into a variable — after inlining, this covers TF1 savers and TF2 `_traced_restore`;
// 2. TF2's object graph: a call's captured inputs are bound to object-graph nodes
//    (`concrete_functions[f].bound_inputs`), whose checkpoint keys the checkpoint's own
//    `_CHECKPOINTABLE_OBJECT_GRAPH` lists (or `<path>/.ATTRIBUTES/VARIABLE_VALUE`);
// 3. the variable's node name or `shared_name`, when the checkpoint has a tensor by that name.

import type { TensorBundle } from '../bundle/tensor-bundle.ts'
import { decodeMessage } from '../proto/schema.ts'
import type { MetaGraphDef, TrackableObjectGraph } from '../proto/types.ts'
import type { FlatGraph, GNode } from './flatten.ts'
import { traceRef } from './trace.ts'

export const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp'])

/** True for variable nodes, also once prepare.ts has turned them into constants. */
const isVariable = (n: GNode) => VARIABLE_OPS.has(n.op) || n.attr._savedmodelVariable !== undefined
const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH'

const decoder = new TextDecoder()

const constStrings = (g: FlatGraph, ref: string): string[] | undefined => {
  const r = traceRef(g.nodes, ref)
  const n = r && g.nodes.get(r.node)
  if (n?.op !== 'Const') return undefined
  return (n.attr.value?.tensor?.stringVal ?? []).map((b) => decoder.decode(b))
}

const fromRestoreOps = (g: FlatGraph, keys: Map<string, string>) => {
  for (const n of g.nodes.values()) {
    if (n.op !== 'Assign' && n.op !== 'AssignVariableOp') continue
    const target = n.inputs[0] && traceRef(g.nodes, n.inputs[0])
    const value = n.inputs[1] && traceRef(g.nodes, n.inputs[1])
    if (!target || !value) continue
    const targetNode = g.nodes.get(target.node)
    const restore = g.nodes.get(value.node)
    if (!targetNode || !isVariable(targetNode) || restore?.op !== 'RestoreV2') continue
    const names = restore.inputs[1] && constStrings(g, restore.inputs[1])
    const key = names?.[value.index]
    if (key && !keys.has(targetNode.name)) keys.set(targetNode.name, key)
  }
}

const objectGraphKeys = async (meta: MetaGraphDef, bundle: TensorBundle) => {
  const byNode = new Map<number, string>()
  if (bundle.entries.has(OBJECT_GRAPH_KEY)) {
    const t = await bundle.read(OBJECT_GRAPH_KEY)
    const bytes = (t.data as Uint8Array[])[0]
    if (bytes) {
      const graph = decodeMessage<TrackableObjectGraph>('TrackableObjectGraph', bytes)
      graph.nodes?.forEach((node, id) => {
        const attr = node.attributes?.find((a) => a.name === 'VARIABLE_VALUE')
        if (attr?.checkpointKey) byNode.set(id, attr.checkpointKey)
      })
    }
  }
  // Paths from the root through `children` give the same keys when the checkpoint has no graph.
  const objects = meta.objectGraphDef?.nodes ?? []
  const seen = new Set<number>([0])
  const queue: [number, string][] = [[0, '']]
  while (queue.length) {
    const [id, path] = queue.shift()!
    if (objects[id]?.variable && !byNode.has(id))
      byNode.set(id, `${path}/.ATTRIBUTES/VARIABLE_VALUE`)
    for (const c of objects[id]?.children ?? []) {
      const child = c.nodeId ?? 0
      if (seen.has(child)) continue
      seen.add(child)
      queue.push([child, path ? `${path}/${c.localName}` : (c.localName ?? '')])
    }
  }
  return byNode
}

const fromObjectGraph = async (
  g: FlatGraph,
  meta: MetaGraphDef,
  bundle: TensorBundle,
  keys: Map<string, string>,
) => {
  const concrete = meta.objectGraphDef?.concreteFunctions ?? {}
  if (Object.keys(concrete).length === 0) return
  const byNode = await objectGraphKeys(meta, bundle)
  for (const call of g.calls) {
    const bound = concrete[call.fn]?.boundInputs ?? []
    if (bound.length === 0 || bound.length > call.inputs.length) continue
    const captured = call.inputs.slice(call.inputs.length - bound.length)
    captured.forEach((ref, i) => {
      const r = traceRef(g.nodes, ref)
      const node = r && g.nodes.get(r.node)
      const key = byNode.get(bound[i]!)
      if (node && isVariable(node) && key && !keys.has(node.name)) keys.set(node.name, key)
    })
  }
}

/** variable node name → checkpoint tensor name, for every variable we can place. */
export const checkpointKeys = async (
  g: FlatGraph,
  meta: MetaGraphDef,
  bundle: TensorBundle | undefined,
): Promise<Map<string, string>> => {
  const keys = new Map<string, string>()
  fromRestoreOps(g, keys)
  if (bundle) await fromObjectGraph(g, meta, bundle, keys)
  for (const n of g.nodes.values()) {
    if (!isVariable(n) || keys.has(n.name)) continue
    const shared = n.attr.shared_name?.s ? decoder.decode(n.attr.shared_name.s) : ''
    if (bundle?.entries.has(n.name)) keys.set(n.name, n.name)
    else if (shared && bundle?.entries.has(shared)) keys.set(n.name, shared)
  }
  return keys
}
