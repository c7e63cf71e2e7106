// Writes a prepared graph as TensorFlow.js graph-model artifacts: the GraphDef in the JSON form
// tfjs-converter's GraphModel reads (bytes base64, int64 as strings, enums by name), and every
// constant — literals and frozen variables alike — as a weight named after its Const node,
// which is how GraphModel binds weights to nodes.
import type { io } from '@tensorflow/tfjs'
import type { TensorBundle } from '../bundle/tensor-bundle.ts'
import type { AttrValue, FunctionDef, MetaGraphDef, TensorShape } from '../proto/types.ts'
import type { GNode } from './flatten.ts'
import { decodeTensorProto, type HostTensor } from './host-tensor.ts'
import type { PreparedGraph } from './prepare.ts'
import { checkpointKeys } from './variables.ts'

type Json = Record<string, unknown>

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

const shapeJson = (s: TensorShape): Json => ({
  dim: (s.dim ?? []).map((d) => ({ size: String(d.size ?? 0) })),
  ...(s.unknownRank ? { unknownRank: true } : {}),
})

const attrJson = (a: AttrValue): Json | undefined => {
  if (a.s !== undefined) return { s: b64(a.s) }
  if (a.i !== undefined) return { i: String(a.i) }
  if (a.f !== undefined) return { f: a.f }
  if (a.b !== undefined) return { b: a.b }
  if (a.type !== undefined) return { type: a.type }
  if (a.shape !== undefined) return { shape: shapeJson(a.shape) }
  if (a.func !== undefined)
    return { func: { name: a.func.name, attr: attrsJson(a.func.attr ?? {}) } }
  if (a.list !== undefined) {
    const l = a.list
    const out: Json = {}
    if (l.s?.length) out.s = l.s.map(b64)
    if (l.i?.length) out.i = l.i.map(String)
    if (l.f?.length) out.f = l.f
    if (l.b?.length) out.b = l.b
    if (l.type?.length) out.type = l.type
    if (l.shape?.length) out.shape = l.shape.map(shapeJson)
    if (l.func?.length)
      out.func = l.func.map((f) => ({ name: f.name, attr: attrsJson(f.attr ?? {}) }))
    return { list: out }
  }
  return undefined // tensors (Const values) travel as weights instead
}

// Attributes starting with '_' are TensorFlow bookkeeping (_output_shapes, _class, …).
const attrsJson = (attrs: Record<string, AttrValue>): Json =>
  Object.fromEntries(
    Object.entries(attrs)
      .filter(([k]) => !k.startsWith('_'))
      .map(([k, v]) => [k, attrJson(v)] as const)
      .filter(([, v]) => v !== undefined),
  )

// A Const's value travels as a weight: only its dtype stays in the topology.
const nodeAttrsJson = (op: string, attrs: Record<string, AttrValue>): Json =>
  attrsJson(op === 'Const' ? { dtype: attrs.dtype ?? {} } : attrs)

const nodeJson = (n: GNode): Json => ({
  name: n.name,
  op: n.op,
  input: n.inputs,
  attr: nodeAttrsJson(n.op, n.attr),
})

/**
 * The functions kept nodes still call (If/While branches and loop bodies), passed through for
 * TF.js to run. Their Const nodes become weights too (TF.js looks function constants up in the
 * model's weights by node name), renamed `<function>/<node>` so they cannot clash.
 */
const functionsWithConstants = (fns: FunctionDef[]) => {
  const constants: { name: string; value: NonNullable<AttrValue['tensor']> }[] = []
  const functions = fns.map((fn) => {
    const name = fn.signature.name
    const renamed = new Map<string, string>()
    for (const n of fn.nodeDef ?? [])
      if (n.op === 'Const' && n.attr?.value?.tensor) {
        renamed.set(n.name, `${name}/${n.name}`)
        constants.push({ name: `${name}/${n.name}`, value: n.attr.value.tensor })
      }
    const rename = (ref: string) => {
      const ctl = ref.startsWith('^') ? '^' : ''
      const [head, ...rest] = ref.slice(ctl.length).split(':')
      const to = renamed.get(head!)
      return to ? [`${ctl}${to}`, ...rest].join(':') : ref
    }
    return {
      signature: fn.signature,
      nodeDef: (fn.nodeDef ?? []).map((n) => ({
        name: renamed.get(n.name) ?? n.name,
        op: n.op,
        input: (n.input ?? []).map(rename),
        attr: nodeAttrsJson(n.op, n.attr ?? {}),
      })),
      ret: Object.fromEntries(Object.entries(fn.ret ?? {}).map(([k, v]) => [k, rename(v)])),
    }
  })
  return { functions, constants }
}

const weightBytes = (t: HostTensor): Uint8Array => {
  if (t.dtype === 'string') {
    const parts = t.data as Uint8Array[]
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0))
    const view = new DataView(out.buffer)
    let o = 0
    for (const p of parts) {
      view.setUint32(o, p.length, true)
      out.set(p, o + 4)
      o += 4 + p.length
    }
    return out
  }
  const d = t.data as Float32Array | Int32Array | Uint8Array
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

export interface BuiltArtifacts {
  artifacts: io.ModelArtifacts
  /** variable node → checkpoint key it was read from. */
  variableKeys: Map<string, string>
}

export const buildArtifacts = async (
  prepared: PreparedGraph,
  meta: MetaGraphDef,
  bundle: TensorBundle | undefined,
  userDefinedMetadata: Record<string, unknown>,
): Promise<BuiltArtifacts> => {
  const keys = await checkpointKeys(prepared.flat, meta, bundle)
  const variableKeys = new Map<string, string>()
  const specs: io.WeightsManifestEntry[] = []
  const parts: Uint8Array[] = []
  for (const n of prepared.nodes) {
    if (n.op !== 'Const') continue
    let t: HostTensor
    if (prepared.variableNodes.has(n.name)) {
      const key = keys.get(n.name)
      if (!key || !bundle)
        throw new Error(`variable '${n.name}' has no value in the checkpoint (variables/)`)
      t = await bundle.read(key)
      variableKeys.set(n.name, key)
      // Loads run on the HTTP process's thread: let requests through between variables.
      await new Promise((r) => setImmediate(r))
    } else {
      const value = n.attr.value?.tensor
      if (!value) throw new Error(`Const node '${n.name}' has no value`)
      t = decodeTensorProto(value, `Const node '${n.name}'`)
    }
    specs.push({ name: n.name, shape: t.shape, dtype: t.dtype })
    parts.push(weightBytes(t))
  }
  const { functions: library, constants } = functionsWithConstants(prepared.functions)
  for (const c of constants) {
    const t = decodeTensorProto(c.value, `Const node '${c.name}'`)
    specs.push({ name: c.name, shape: t.shape, dtype: t.dtype })
    parts.push(weightBytes(t))
  }
  const producer = meta.graphDef?.versions?.producer
  return {
    variableKeys,
    artifacts: {
      format: 'graph-model',
      generatedBy: `TensorFlow ${meta.metaInfoDef?.tensorflowVersion ?? 'unknown'} SavedModel`,
      convertedBy: 'tf-tweetbot savedmodel loader',
      modelTopology: {
        node: prepared.nodes.map(nodeJson),
        versions: producer !== undefined ? { producer } : {},
        ...(library.length ? { library: { function: library } } : {}),
      },
      weightSpecs: specs,
      weightData: Bun.concatArrayBuffers(parts),
      userDefinedMetadata: userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'],
    },
  }
}
