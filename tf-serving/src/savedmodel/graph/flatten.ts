// Turns a MetaGraphDef's GraphDef into one flat list of nodes: every call into the function
// library (`StatefulPartitionedCall`, `PartitionedCall`, or a node whose op is a function name) is
// inlined with its nodes renamed under the call's name, function arguments replaced by the
// caller's inputs, and `node:output_arg:index` references turned into flat indices. The call node
// itself becomes an `IdentityN` of the function's results, so `call:k` keeps naming the k-th
// result (signatures of TF2 exports point at `StatefulPartitionedCall_N:0`). Control inputs are
// dropped: inference needs only data edges, and keeping them would drag savers and init ops in.
import type { AttrValue, FunctionDef, GraphDef, NodeDef } from '../proto/types.ts'
import { flatOutputIndex } from './output-index.ts'
import { formatRef, normalizeRef } from './refs.ts'

export interface GNode {
  name: string
  op: string
  /** Data inputs, normalized (`x`, `x:1`). */
  inputs: string[]
  attr: Record<string, AttrValue>
}

/** A call node of the top-level graph: which function it ran and with which inputs. */
export interface CallSite {
  name: string
  fn: string
  inputs: string[]
}

export interface FlatGraph {
  nodes: Map<string, GNode>
  calls: CallSite[]
  library: Map<string, FunctionDef>
}

const CALL_OPS = new Set(['StatefulPartitionedCall', 'PartitionedCall'])
const MAX_DEPTH = 64

const calledFunction = (node: NodeDef, library: Map<string, FunctionDef>): string | undefined => {
  if (CALL_OPS.has(node.op)) return node.attr?.f?.func?.name
  return library.has(node.op) ? node.op : undefined
}

export const flattenGraph = (graph: GraphDef): FlatGraph => {
  const library = new Map<string, FunctionDef>()
  for (const f of graph.library?.function ?? []) library.set(f.signature.name, f)
  const nodes = new Map<string, GNode>()
  const calls: CallSite[] = []

  const emit = (n: GNode) => {
    if (nodes.has(n.name)) throw new Error(`duplicate node name '${n.name}' after inlining`)
    nodes.set(n.name, n)
  }

  const inline = (fnName: string, prefix: string, args: string[], depth: number): string[] => {
    const fn = library.get(fnName)
    if (!fn) throw new Error(`function '${fnName}' is not in the graph's function library`)
    if (depth > MAX_DEPTH)
      throw new Error(`function calls nest deeper than ${MAX_DEPTH} (recursion?)`)
    const inputArgs = fn.signature.inputArg ?? []
    for (const a of inputArgs)
      if (a.numberAttr || a.typeListAttr)
        throw new Error(`function '${fnName}' takes a list argument '${a.name}', not supported`)
    if (inputArgs.length !== args.length)
      throw new Error(
        `function '${fnName}' takes ${inputArgs.length} inputs, called with ${args.length}`,
      )
    const argMap = new Map(inputArgs.map((a, i) => [a.name, args[i]!]))
    const local = new Map((fn.nodeDef ?? []).map((n) => [n.name, n]))
    const resolve = (ref: string): string | undefined => {
      if (ref.startsWith('^')) return undefined
      const parts = ref.split(':')
      const head = parts[0]!
      if (argMap.has(head) && !local.has(head)) return argMap.get(head)!
      if (parts.length === 3) {
        const producer = local.get(head)
        if (!producer) throw new Error(`function '${fnName}' references unknown node '${head}'`)
        const index = calledFunction(producer, library)
          ? Number(parts[2])
          : flatOutputIndex(producer.op, producer.attr ?? {}, parts[1]!, Number(parts[2]))
        return formatRef(prefix + head, index)
      }
      return normalizeRef(prefix + ref)
    }
    for (const n of fn.nodeDef ?? []) {
      const inputs = (n.input ?? []).map(resolve).filter((r): r is string => r !== undefined)
      visit(n, prefix + n.name, inputs, depth)
    }
    return (fn.signature.outputArg ?? []).map((o) => {
      const ret = fn.ret?.[o.name]
      if (!ret) throw new Error(`function '${fnName}' has no return value for '${o.name}'`)
      return resolve(ret)!
    })
  }

  const visit = (n: NodeDef, name: string, inputs: string[], depth: number) => {
    const fn = calledFunction(n, library)
    if (!fn) {
      emit({ name, op: n.op, inputs, attr: n.attr ?? {} })
      return
    }
    if (depth === 0) calls.push({ name, fn, inputs })
    const outputs = inline(fn, `${name}/`, inputs, depth + 1)
    emit({ name, op: 'IdentityN', inputs: outputs, attr: {} })
  }

  for (const n of graph.node ?? []) {
    const inputs = (n.input ?? []).filter((r) => !r.startsWith('^')).map(normalizeRef)
    visit(n, n.name, inputs, 0)
  }
  return { nodes, calls, library }
}

/**
 * Library functions the nodes' attributes still name (If/While branches and loop bodies, which
 * stay functions that TF.js runs itself), and the ones those name in turn, each once.
 */
export const referencedFunctions = (
  nodes: Iterable<GNode>,
  library: Map<string, FunctionDef>,
): FunctionDef[] => {
  const found = new Map<string, FunctionDef>()
  const visit = (attrs: Record<string, AttrValue>) => {
    for (const a of Object.values(attrs))
      for (const name of [a.func?.name, ...(a.list?.func ?? []).map((f) => f.name)]) {
        const fn = name ? library.get(name) : undefined
        if (!fn || found.has(fn.signature.name)) continue
        found.set(fn.signature.name, fn)
        for (const inner of fn.nodeDef ?? []) visit(inner.attr ?? {})
      }
  }
  for (const n of nodes) visit(n.attr)
  return [...found.values()]
}
