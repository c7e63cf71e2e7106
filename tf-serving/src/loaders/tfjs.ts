import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { io } from '@tensorflow/tfjs'
import { signaturesFromTopology } from './tfjs-signatures.ts'
import type { ModelLoader, ServableArtifacts } from './types.ts'

interface ModelJson {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology?: unknown
  weightsManifest?: io.WeightsManifestConfig
  signature?: unknown
  userDefinedMetadata?: Record<string, unknown>
  modelInitializer?: unknown
}

const exists = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  )

/** Layers models carry a Keras `model_config` (or are a bare Keras config); graph models a `node` list. */
const kindOf = (json: ModelJson): 'layers' | 'graph' => {
  if (json.format === 'graph-model') return 'graph'
  if (json.format === 'layers-model') return 'layers'
  const topology = json.modelTopology as Record<string, unknown> | undefined
  return topology && Array.isArray(topology.node) ? 'graph' : 'layers'
}

/** Weight files are concatenated in manifest order, which is the order `weightSpecs` lists them. */
const readWeights = async (dir: string, manifest: io.WeightsManifestConfig) => {
  const specs: io.WeightsManifestEntry[] = []
  const parts: Uint8Array[] = []
  for (const group of manifest) {
    specs.push(...group.weights)
    for (const path of group.paths)
      parts.push(
        await readFile(join(dir, path)).catch(() => {
          throw new Error(`weight file ${path} listed in model.json is missing`)
        }),
      )
  }
  return { specs, data: Bun.concatArrayBuffers(parts) }
}

const readLabels = async (dir: string) => {
  const file = join(dir, 'labels.txt')
  if (!(await exists(file))) return undefined
  return (await readFile(file, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
}

/** TensorFlow.js layers and graph models: `model.json` + binary weight files. */
export const tfjsModelLoader: ModelLoader = {
  format: 'tfjs',
  detect: (versionDir) => exists(join(versionDir, 'model.json')),
  async load(versionDir): Promise<ServableArtifacts> {
    let json: ModelJson
    try {
      json = JSON.parse(await readFile(join(versionDir, 'model.json'), 'utf8')) as ModelJson
    } catch (err) {
      throw new Error(`cannot read model.json: ${(err as Error).message}`)
    }
    if (!json.modelTopology || typeof json.modelTopology !== 'object')
      throw new Error('model.json has no modelTopology')
    const kind = kindOf(json)
    const { specs, data } = await readWeights(versionDir, json.weightsManifest ?? [])
    const artifacts: io.ModelArtifacts = {
      modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
      weightSpecs: specs,
      weightData: data,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      signature: json.signature as io.ModelArtifacts['signature'],
      userDefinedMetadata: json.userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'],
      modelInitializer: json.modelInitializer as io.ModelArtifacts['modelInitializer'],
    }
    const classLabels = await readLabels(versionDir)
    const signatures = await signaturesFromTopology(kind, artifacts)
    return {
      format: kind === 'layers' ? 'tfjs-layers' : 'tfjs-graph',
      kind,
      artifacts,
      signatures,
      ...(classLabels ? { classLabels } : {}),
    }
  },
}
