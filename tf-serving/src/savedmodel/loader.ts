// The SavedModel format for the model manager (see ../loaders/types.ts): converts the folder to
// TensorFlow.js graph-model artifacts in memory, so no libtensorflow is needed.
import { join } from 'node:path'
import type { io } from '@tensorflow/tfjs'
import type { ModelLoader, ServableArtifacts } from '../loaders/types.ts'
import { convertSavedModel, METADATA_KEY, type SavedModelMetadata } from './convert.ts'
import type { ExampleSignature } from './example/types.ts'
import { isFile } from './fs.ts'
import { SAVED_MODEL_PB } from './read-saved-model.ts'

export const SAVEDMODEL_FORMAT = 'savedmodel'

/**
 * Loads `saved_model.pb` + `variables/` folders. Errors name what is wrong (corrupt protobuf,
 * checksum mismatch, missing shard, unsupported ops with their node names).
 */
export const savedModelLoader: ModelLoader = {
  format: SAVEDMODEL_FORMAT,
  detect: async (versionDir) =>
    (await isFile(join(versionDir, SAVED_MODEL_PB))) ||
    (await isFile(join(versionDir, 'saved_model.pbtxt'))),
  async load(versionDir): Promise<ServableArtifacts> {
    const converted = await convertSavedModel(versionDir)
    return {
      format: SAVEDMODEL_FORMAT,
      kind: 'graph',
      artifacts: converted.artifacts,
      signatures: converted.signatures,
    }
  },
}

/** The SavedModel details the loader left in the artifacts, if they came from this loader. */
const savedModelMetadata = (artifacts: io.ModelArtifacts): SavedModelMetadata | undefined =>
  (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[METADATA_KEY] as
    | SavedModelMetadata
    | undefined

/**
 * How to feed `signatureKey` from JSON tf.Examples, when its input is serialized examples that
 * the graph parsed with ParseExample (then call `examplesToFeeds` and run the graph on them).
 */
export const exampleSignature = (
  artifacts: io.ModelArtifacts,
  signatureKey: string,
): ExampleSignature | undefined => savedModelMetadata(artifacts)?.examples[signatureKey]
