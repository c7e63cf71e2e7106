import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dir, '../..')

/** The default image model's input, as its metadata reports it. */
export const DEFAULT_MODEL_INPUT = {
  height: 224,
  width: 224,
  channels: 3,
  dtype: 'DT_FLOAT',
  signature: 'serving_default',
} as const

/**
 * The default model folder: `models/default` when `make models` ran (make test runs it first),
 * else exported now into a temp dir with the same script, offline.
 */
export const ensureDefaultModel = async (): Promise<string> => {
  const dir = join(root, 'models/default')
  if (existsSync(join(dir, '1/model.json')) && existsSync(join(dir, '1/labels.txt'))) return dir
  const out = mkdtempSync(join(tmpdir(), 'tweetbot-model-'))
  const proc = Bun.spawn([process.execPath, 'tf-serving/scripts/export-default-model.ts', out], {
    cwd: root,
    stdout: 'ignore',
    stderr: 'pipe',
  })
  if ((await proc.exited) !== 0)
    throw new Error(`model export failed: ${await new Response(proc.stderr).text()}`)
  return out
}

/** The class names a model folder ships (`1/labels.txt`), in output order. */
export const labelsOf = (modelDir: string) =>
  readFileSync(join(modelDir, '1/labels.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
