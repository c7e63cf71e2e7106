/**
 * The model-format loaders, tried in order for each version folder (first `detect` wins).
 *
 * To add a format, implement `ModelLoader` (./types.ts) in its own module and add it to `LOADERS`
 * (SavedModel folders hold `saved_model.pb`, TF.js folders `model.json`, so order does not matter).
 */
import { savedModelLoader } from '../savedmodel/loader.ts'
import { tfjsModelLoader } from './tfjs.ts'
import type { ModelLoader } from './types.ts'

export const LOADERS: readonly ModelLoader[] = [tfjsModelLoader, savedModelLoader]

/** The loader for `versionDir`, or undefined when no format matches. */
export const findLoader = async (
  versionDir: string,
  loaders: readonly ModelLoader[] = LOADERS,
): Promise<ModelLoader | undefined> => {
  for (const loader of loaders) if (await loader.detect(versionDir)) return loader
  return undefined
}

export type * from './types.ts'
