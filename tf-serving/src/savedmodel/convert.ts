// SavedModel folder → TensorFlow.js graph-model artifacts + TF Serving signatures.
import type { io } from '@tensorflow/tfjs'
import type { SignatureDef } from '../loaders/types.ts'
import type { ExampleSignature } from './example/types.ts'
import { buildArtifacts } from './graph/build-artifacts.ts'
import { supportedOps } from './graph/op-support.ts'
import { describeUnsupported, type PreparedGraph, prepareGraph } from './graph/prepare.ts'
import type { MetaGraphDef } from './proto/types.ts'
import { openVariables, pickMetaGraph, readSavedModelProto } from './read-saved-model.ts'

/** What the loader stores in `artifacts.userDefinedMetadata.savedmodel`. */
export interface SavedModelMetadata {
  tags: string[]
  tensorflowVersion: string
  /** signature key → how to feed it from JSON tf.Examples (classify/regress). */
  examples: Record<string, ExampleSignature>
  skippedSignatures: Record<string, string>
}

export interface ConvertedSavedModel {
  artifacts: io.ModelArtifacts
  signatures: Record<string, SignatureDef>
  metadata: SavedModelMetadata
  variableKeys: Map<string, string>
}

export const METADATA_KEY = 'savedmodel'

export const convertSavedModel = async (dir: string): Promise<ConvertedSavedModel> => {
  const meta = pickMetaGraph(await readSavedModelProto(dir))
  return convertPrepared(dir, meta, prepareGraph(meta, await supportedOps()))
}

/** The conversion after `prepareGraph`, for callers that prepared `meta` already (inspect). */
export const convertPrepared = async (
  dir: string,
  meta: MetaGraphDef,
  prepared: PreparedGraph,
): Promise<ConvertedSavedModel> => {
  if (prepared.unsupported.length > 0)
    throw new Error(
      `unsupported op(s) for TensorFlow.js: ${describeUnsupported(prepared.unsupported)}`,
    )
  if (Object.keys(prepared.signatures).length === 0)
    throw new Error('the SavedModel has no servable signature')
  const bundle = prepared.variableNodes.size > 0 ? await openVariables(dir) : undefined
  const metadata: SavedModelMetadata = {
    tags: meta.metaInfoDef?.tags ?? [],
    tensorflowVersion: meta.metaInfoDef?.tensorflowVersion ?? '',
    examples: prepared.examples,
    skippedSignatures: prepared.skippedSignatures,
  }
  const built = await buildArtifacts(prepared, meta, bundle, { [METADATA_KEY]: metadata })
  return {
    artifacts: built.artifacts,
    signatures: prepared.signatures,
    metadata,
    variableKeys: built.variableKeys,
  }
}
