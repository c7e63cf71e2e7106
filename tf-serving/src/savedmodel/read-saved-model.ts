// Reading a SavedModel folder: `saved_model.pb` (a SavedModel protobuf holding MetaGraphDefs) and
// the tensor bundle under `variables/`.
// @see https://www.tensorflow.org/guide/saved_model
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openTensorBundle, type TensorBundle } from './bundle/tensor-bundle.ts'
import { exists } from './fs.ts'
import { decodeMessage } from './proto/schema.ts'
import type { MetaGraphDef, SavedModelProto } from './proto/types.ts'

export const SAVED_MODEL_PB = 'saved_model.pb'
const SERVE_TAG = 'serve'

export const readSavedModelProto = async (dir: string): Promise<SavedModelProto> => {
  const path = join(dir, SAVED_MODEL_PB)
  if (!(await exists(path))) {
    if (await exists(join(dir, 'saved_model.pbtxt')))
      throw new Error('saved_model.pbtxt (text format) is not supported; export saved_model.pb')
    throw new Error(`${SAVED_MODEL_PB} is missing`)
  }
  const bytes = new Uint8Array(await readFile(path))
  let proto: SavedModelProto
  try {
    proto = decodeMessage<SavedModelProto>('SavedModel', bytes)
  } catch (err) {
    throw new Error(
      `${SAVED_MODEL_PB} is not a valid SavedModel protobuf (truncated or corrupt): ${(err as Error).message}`,
    )
  }
  if (!proto.metaGraphs?.length)
    throw new Error(`${SAVED_MODEL_PB} holds no meta graph (truncated or not a SavedModel)`)
  return proto
}

/** The meta graph tagged exactly `tags` (TF Serving loads {serve}), else the first with `serve`. */
export const pickMetaGraph = (
  proto: SavedModelProto,
  tags: string[] = [SERVE_TAG],
): MetaGraphDef => {
  const graphs = proto.metaGraphs ?? []
  const tagsOf = (m: MetaGraphDef) => m.metaInfoDef?.tags ?? []
  const same = (m: MetaGraphDef) =>
    tagsOf(m).length === tags.length && tags.every((t) => tagsOf(m).includes(t))
  const found = graphs.find(same) ?? graphs.find((m) => tags.every((t) => tagsOf(m).includes(t)))
  if (!found) {
    const have = graphs.map((m) => `{${tagsOf(m).join(',')}}`).join(' ')
    throw new Error(
      `no meta graph tagged {${tags.join(',')}} (the SavedModel has ${have || 'none'})`,
    )
  }
  if (!found.graphDef?.node?.length) throw new Error('the serving meta graph has an empty graph')
  return found
}

/** Opens `variables/variables.*`, or returns undefined when the model has no variables at all. */
export const openVariables = async (dir: string): Promise<TensorBundle | undefined> => {
  const prefix = join(dir, 'variables', 'variables')
  if (!(await exists(`${prefix}.index`)) && !(await exists(join(dir, 'variables'))))
    return undefined
  return openTensorBundle(prefix)
}
