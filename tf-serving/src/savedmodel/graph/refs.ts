// Tensor references as GraphDefs write them: `node` (output 0), `node:k`, `^node` (control).

export interface TensorRef {
  node: string
  index: number
}

export const parseRef = (ref: string): TensorRef => {
  const i = ref.lastIndexOf(':')
  if (i > 0 && /^\d+$/.test(ref.slice(i + 1)))
    return { node: ref.slice(0, i), index: Number(ref.slice(i + 1)) }
  return { node: ref, index: 0 }
}

export const formatRef = (node: string, index: number): string =>
  index === 0 ? node : `${node}:${index}`

/** `x:0` → `x`, so one tensor has one spelling. */
export const normalizeRef = (ref: string): string => {
  const r = parseRef(ref)
  return formatRef(r.node, r.index)
}
