// The other way to run a SavedModel: @tensorflow/tfjs-node's `node.loadSavedModel`, which hands
// the folder to libtensorflow. Only where tfjs-node installs (it cannot here: it downloads
// libtensorflow at install time). It does not fit the worker contract (TF.js artifacts that can
// be cloned to every worker), so it serves as a cross-check of the converter: both must give
// the same numbers for the same SavedModel.
import type { Tensor } from '@tensorflow/tfjs'
import { TFJS_NODE } from '../../src/inference/backend.ts'

interface TfjsNode {
  node: {
    loadSavedModel(
      dir: string,
      tags: string[],
      signature: string,
    ): Promise<{
      predict(inputs: Record<string, Tensor>): Tensor | Tensor[] | Record<string, Tensor>
      dispose(): void
    }>
  }
}

export class NativeUnavailableError extends Error {
  override name = 'NativeUnavailableError'
}

/** tfjs-node, or a NativeUnavailableError saying why it cannot be used. */
export const importTfjsNode = async (): Promise<TfjsNode> => {
  try {
    return (await import(TFJS_NODE)) as TfjsNode
  } catch (err) {
    throw new NativeUnavailableError(
      `${TFJS_NODE} is not installed or libtensorflow is missing (${(err as Error).message}); the native SavedModel path is unavailable, the converter is used`,
    )
  }
}

/** Runs one signature of the SavedModel in `dir` through libtensorflow. */
export const predictNative = async (
  dir: string,
  signature: string,
  inputs: Record<string, Tensor>,
): Promise<Record<string, Tensor>> => {
  const tfn = await importTfjsNode()
  const model = await tfn.node.loadSavedModel(dir, ['serve'], signature)
  try {
    const out = model.predict(inputs)
    if (Array.isArray(out) || !('shape' in out && 'dtype' in out))
      return out as Record<string, Tensor>
    return { output: out as Tensor }
  } finally {
    model.dispose()
  }
}
