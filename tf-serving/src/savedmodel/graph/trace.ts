// Following a tensor back through pass-through ops to where it really comes from.
import type { GNode } from './flatten.ts'
import { parseRef, type TensorRef } from './refs.ts'

const PASS_THROUGH = new Set(['Identity', 'Snapshot', 'StopGradient'])

/** The producing node and output index of `ref`, looking through PASS_THROUGH ops and IdentityN. */
export const traceRef = (nodes: Map<string, GNode>, ref: string): TensorRef | undefined => {
  let r = parseRef(ref)
  for (let hops = 0; hops < 1000; hops++) {
    const n = nodes.get(r.node)
    if (!n) return undefined
    if (PASS_THROUGH.has(n.op) && n.inputs[0]) r = parseRef(n.inputs[0])
    else if (n.op === 'IdentityN' && n.inputs[r.index]) r = parseRef(n.inputs[r.index]!)
    else return r
  }
  return undefined
}
