// What `tf-serving:inspect` reports about a SavedModel: tags, signatures, ops and whether
// TensorFlow.js can run the graph, ending with a full load (variables and checksums included).
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SignatureDef } from '../loaders/types.ts'
import { convertPrepared } from './convert.ts'
import { exists } from './fs.ts'
import { supportedOps } from './graph/op-support.ts'
import { type PreparedGraph, prepareGraph } from './graph/prepare.ts'
import { pickMetaGraph, readSavedModelProto, SAVED_MODEL_PB } from './read-saved-model.ts'

export interface OpUse {
  op: string
  count: number
  supported: boolean
  /** Kept in the inference graph (needed by a signature). */
  needed: boolean
}

export interface InspectReport {
  dir: string
  metaGraphs: { tags: string[]; tensorflowVersion: string }[]
  signatures: Record<string, SignatureDef>
  skippedSignatures: Record<string, string>
  ops: OpUse[]
  unsupportedNeeded: PreparedGraph['unsupported']
  /** null when the model loads; otherwise why it does not. */
  loadError: string | null
  variables: number
}

/** Version folders under a base path (numeric names), or the folder itself if it is a model. */
export const modelDirs = async (path: string): Promise<string[]> => {
  if (await exists(join(path, SAVED_MODEL_PB))) return [path]
  const versions = (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .sort((a, b) => Number(a.name) - Number(b.name))
    .map((e) => join(path, e.name))
  if (versions.length === 0)
    throw new Error(`${path} holds neither saved_model.pb nor version folders`)
  return versions
}

export const inspectSavedModel = async (dir: string): Promise<InspectReport> => {
  const proto = await readSavedModelProto(dir)
  const metaGraphs = (proto.metaGraphs ?? []).map((m) => ({
    tags: m.metaInfoDef?.tags ?? [],
    tensorflowVersion: m.metaInfoDef?.tensorflowVersion ?? '',
  }))
  const supported = await supportedOps()
  const meta = pickMetaGraph(proto)
  const prepared = prepareGraph(meta, supported)
  const neededOps = new Set(prepared.nodes.map((n) => n.op))
  const ops = [...prepared.opsUsed]
    .map(([op, count]) => ({ op, count, supported: supported.has(op), needed: neededOps.has(op) }))
    .sort((a, b) => a.op.localeCompare(b.op))
  let loadError: string | null = null
  let variables = 0
  try {
    variables = (await convertPrepared(dir, meta, prepared)).variableKeys.size
  } catch (err) {
    loadError = (err as Error).message
  }
  return {
    dir,
    metaGraphs,
    signatures: prepared.signatures,
    skippedSignatures: prepared.skippedSignatures,
    ops,
    unsupportedNeeded: prepared.unsupported,
    loadError,
    variables,
  }
}

const shape = (s: number[] | null) => (s ? `[${s.join(',')}]` : '(unknown rank)')

/** Human-readable report. */
export const formatReport = (r: InspectReport): string => {
  const lines: string[] = [`SavedModel ${r.dir}`]
  for (const m of r.metaGraphs)
    lines.push(
      `  meta graph tags: {${m.tags.join(', ')}}  (TensorFlow ${m.tensorflowVersion || '?'})`,
    )
  lines.push('  signatures (meta graph {serve}):')
  for (const [key, sig] of Object.entries(r.signatures)) {
    lines.push(`    ${key}  ${sig.methodName}`)
    for (const [alias, t] of Object.entries(sig.inputs))
      lines.push(`      input  ${alias}: ${t.dtype} ${shape(t.shape)}  ← ${t.name}`)
    for (const [alias, t] of Object.entries(sig.outputs))
      lines.push(`      output ${alias}: ${t.dtype} ${shape(t.shape)}  → ${t.name}`)
    if (sig.examples) {
      const feats = sig.examples.features.map(
        (f) =>
          `${f.key} ${f.dtype} [${f.shape.join(',')}] ${f.default ? `default ${JSON.stringify(f.default)}` : 'required'}`,
      )
      lines.push(`      tf.Example features (fed from JSON examples): ${feats.join('; ')}`)
    }
  }
  for (const [key, why] of Object.entries(r.skippedSignatures))
    lines.push(`    ${key}  not served: ${why}`)
  lines.push(
    `  ops used (${r.ops.length} kinds; ✓ = TensorFlow.js supports it, * = needed for serving):`,
  )
  for (const o of r.ops)
    lines.push(`    ${o.supported ? '✓' : '✗'}${o.needed ? '*' : ' '} ${o.op} ×${o.count}`)
  const needed = r.ops.filter((o) => o.needed)
  lines.push(
    r.unsupportedNeeded.length === 0
      ? `  every op needed for serving is supported (${needed.length} kinds)`
      : `  NOT supported and needed: ${r.unsupportedNeeded.map((u) => `${u.op} (${u.nodes.join(', ')})`).join('; ')}`,
  )
  lines.push(
    r.loadError === null
      ? `  loads: yes (${r.variables} variables read, checksums verified)`
      : `  loads: NO — ${r.loadError}`,
  )
  return lines.join('\n')
}
