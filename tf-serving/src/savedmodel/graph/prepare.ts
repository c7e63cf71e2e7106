// From a MetaGraphDef to the inference graph TensorFlow.js will run: inline the function
// library, cut ParseExample nodes out, turn variable reads into reads of a constant (the
// variable node itself becomes the constant, so each variable is stored once), keep only the
// nodes the signatures' outputs need given their inputs, and check every kept op is supported.
import {
  CLASSIFY_METHOD,
  PREDICT_METHOD,
  REGRESS_METHOD,
  type TensorSpec,
  type TfDtype,
  type SignatureDef as TfjsSignature,
} from '../../loaders/types.ts'
import type { ExampleSignature } from '../example/types.ts'
import type { FunctionDef, MetaGraphDef, TensorInfo } from '../proto/types.ts'
import { type FlatGraph, flattenGraph, type GNode, referencedFunctions } from './flatten.ts'
import { cutParseExamples } from './parse-example.ts'
import { parseRef } from './refs.ts'
import { traceRef } from './trace.ts'
import { VARIABLE_OPS } from './variables.ts'

const SERVED_METHODS = new Set<string>([PREDICT_METHOD, CLASSIFY_METHOD, REGRESS_METHOD])

export interface UnsupportedOp {
  op: string
  nodes: string[]
}

export interface PreparedGraph {
  flat: FlatGraph
  /** Kept nodes in graph order, rewritten for inference. */
  nodes: GNode[]
  /** Library functions kept nodes still call (If/While bodies), which TF.js runs itself. */
  functions: FunctionDef[]
  /** Kept constants that hold a variable's value (name = the variable node). */
  variableNodes: Set<string>
  signatures: Record<string, TfjsSignature>
  /** Signatures whose input is serialized tf.Examples, fed from JSON instead. */
  examples: Record<string, ExampleSignature>
  /** Signatures in the SavedModel we do not serve, with the reason. */
  skippedSignatures: Record<string, string>
  unsupported: UnsupportedOp[]
  /** op → number of nodes, over the whole graph including inlined functions. */
  opsUsed: Map<string, number>
}

const toSpec = (info: TensorInfo): TensorSpec => ({
  name: info.name ?? '',
  dtype: (info.dtype ?? 'DT_INVALID') as TfDtype,
  shape: info.tensorShape?.unknownRank
    ? null
    : (info.tensorShape?.dim ?? []).map((d) => d.size ?? -1),
})

/** Rewrites variable reads in place; returns the variable nodes now acting as constants. */
const freezeVariableReads = (nodes: Map<string, GNode>) => {
  for (const n of nodes.values()) {
    if (VARIABLE_OPS.has(n.op)) {
      n.attr = {
        dtype: n.attr.dtype ?? {},
        shared_name: n.attr.shared_name ?? {},
        _savedmodelVariable: { s: new TextEncoder().encode(n.op) },
      }
      n.op = 'Const'
      n.inputs = []
    } else if (n.op === 'ReadVariableOp') {
      n.op = 'Identity'
      n.attr = { T: n.attr.dtype ?? {} }
    } else if (n.op === 'ResourceGather') {
      const axis = `${n.name}/axis`
      nodes.set(axis, {
        name: axis,
        op: 'Const',
        inputs: [],
        attr: {
          dtype: { type: 'DT_INT32' },
          value: { tensor: { dtype: 'DT_INT32', intVal: [0] } },
        },
      })
      n.op = 'GatherV2'
      n.inputs = [n.inputs[0]!, n.inputs[1]!, axis]
      n.attr = { batch_dims: n.attr.batch_dims ?? { i: 0 } }
    }
  }
}

export const prepareGraph = (meta: MetaGraphDef, supported: Set<string>): PreparedGraph => {
  const flat = flattenGraph(meta.graphDef ?? {})
  // Ops as written in the SavedModel: the graph and each library function body once.
  const opsUsed = new Map<string, number>()
  const original = [
    ...(meta.graphDef?.node ?? []),
    ...(meta.graphDef?.library?.function ?? []).flatMap((f) => f.nodeDef ?? []),
  ]
  for (const n of original) opsUsed.set(n.op, (opsUsed.get(n.op) ?? 0) + 1)
  const nodes = flat.nodes
  const cuts = cutParseExamples(nodes)
  freezeVariableReads(nodes)

  const signatures: Record<string, TfjsSignature> = {}
  const examples: Record<string, ExampleSignature> = {}
  const skippedSignatures: Record<string, string> = {}
  const kept = new Set<string>()
  const fedDtype = new Map<string, string>()
  for (const [key, sig] of Object.entries(meta.signatureDef ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const method = sig.methodName ?? ''
    if (!SERVED_METHODS.has(method)) {
      skippedSignatures[key] = `method_name '${method}' is not a serving method`
      continue
    }
    const infos = [...Object.values(sig.inputs ?? {}), ...Object.values(sig.outputs ?? {})]
    const unnamed = infos.find((i) => !i.name)
    if (unnamed) {
      skippedSignatures[key] = 'it has a sparse or composite tensor, which is not supported'
      continue
    }
    const missing = infos.find((i) => !nodes.has(parseRef(i.name!).node))
    if (missing)
      throw new Error(`signature '${key}' names tensor '${missing.name}', not in the graph`)
    const feeds = new Set<string>()
    for (const info of Object.values(sig.inputs ?? {})) {
      const node = parseRef(info.name!).node
      feeds.add(node)
      fedDtype.set(node, info.dtype ?? 'DT_FLOAT')
    }
    const inputs = Object.values(sig.inputs ?? {})
    // Whatever dtype the SignatureDef declares: TensorFlow 1.0 exports (TF Serving's
    // half_plus_three) declare the serialized Examples as DT_FLOAT and still parse them in the
    // graph, and TF Serving feeds them the serialized Examples regardless (util.cc:213-236).
    if (inputs.length === 1) {
      const origin = traceRef(nodes, inputs[0]!.name!)?.node
      const features = cuts.filter((c) => c.serializedFrom === origin).flatMap((c) => c.features)
      if (features.length > 0) examples[key] = { features: features.map((f) => ({ ...f })) }
    }
    const stack = Object.values(sig.outputs ?? {}).map((i) => parseRef(i.name!).node)
    // Per signature: a node another signature reached may have stopped at that signature's feeds
    // (half_plus_three's predict feeds x, its regress computes x from the parsed Examples).
    const expanded = new Set<string>()
    while (stack.length) {
      const name = stack.pop()!
      kept.add(name)
      if (feeds.has(name) || expanded.has(name)) continue
      expanded.add(name)
      const n = nodes.get(name)
      if (!n) throw new Error(`node '${name}' is referenced but not defined`)
      for (const ref of n.inputs) {
        const producer = parseRef(ref).node
        if (!nodes.has(producer))
          throw new Error(`node '${name}' reads '${ref}', which is not defined`)
        if (!expanded.has(producer)) stack.push(producer)
      }
    }
    signatures[key] = {
      shapesAreInformative: true,
      methodName: method as TfjsSignature['methodName'],
      inputs: Object.fromEntries(Object.entries(sig.inputs ?? {}).map(([k, v]) => [k, toSpec(v)])),
      outputs: Object.fromEntries(
        Object.entries(sig.outputs ?? {}).map(([k, v]) => [k, toSpec(v)]),
      ),
    }
  }

  const out: GNode[] = []
  const variableNodes = new Set<string>()
  for (const n of nodes.values()) {
    if (!kept.has(n.name)) continue
    // A kept node whose inputs were not kept is only ever fed: make it a plain placeholder.
    if (n.inputs.some((r) => !kept.has(parseRef(r).node))) {
      n.op = 'Placeholder'
      n.inputs = []
      n.attr = { dtype: { type: fedDtype.get(n.name) ?? 'DT_FLOAT' } }
    }
    // TF Serving does not check fed shapes against the placeholder's; neither do we.
    if (n.op === 'Placeholder') delete n.attr.shape
    if (n.attr._savedmodelVariable) variableNodes.add(n.name)
    out.push(n)
  }
  // Features whose placeholder no signature needs are still checked (TensorFlow's parser would
  // insist on required ones) but not fed.
  for (const ex of Object.values(examples))
    for (const f of ex.features) if (f.tensor && !kept.has(f.tensor)) f.tensor = null
  for (const [key, ex] of Object.entries(examples))
    if (signatures[key]) signatures[key].examples = ex
  const unsupportedMap = new Map<string, string[]>()
  const check = (op: string, name: string) => {
    if (!supported.has(op)) unsupportedMap.set(op, [...(unsupportedMap.get(op) ?? []), name])
  }
  for (const n of out) check(n.op, n.name)
  // Branch and loop bodies (If/While) stay functions that TF.js runs itself: check their ops
  // too, so nothing unsupported is discovered at predict time.
  const functions = referencedFunctions(out, flat.library)
  for (const fn of functions)
    for (const inner of fn.nodeDef ?? []) check(inner.op, `${fn.signature.name}/${inner.name}`)
  const unsupported = [...unsupportedMap].map(([op, names]) => ({ op, nodes: names }))
  return {
    flat,
    nodes: out,
    functions,
    variableNodes,
    signatures,
    examples,
    skippedSignatures,
    unsupported,
    opsUsed,
  }
}

export const describeUnsupported = (list: UnsupportedOp[]): string =>
  list
    .map(({ op, nodes }) => {
      const shown = nodes
        .slice(0, 5)
        .map((n) => `'${n}'`)
        .join(', ')
      return `${op} (node${nodes.length > 1 ? 's' : ''} ${shown}${nodes.length > 5 ? `, … ${nodes.length - 5} more` : ''})`
    })
    .join('; ')
