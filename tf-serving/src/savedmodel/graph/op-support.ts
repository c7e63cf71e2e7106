// Which TensorFlow ops TensorFlow.js can execute: read from the op mapping tables of the
// installed @tensorflow/tfjs-converter (its `operations/op_list/*.js`), so the check follows the
// installed version instead of a list we would have to keep in sync by hand.
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'

let cached: Promise<Set<string>> | undefined

const load = async (): Promise<Set<string>> => {
  // tfjs-converter is a dependency of @tensorflow/tfjs (which this workspace declares), so it is
  // resolved from tfjs' own folder: Bun's isolated installs link it there.
  const tfjsEntry = Bun.resolveSync('@tensorflow/tfjs', import.meta.dir)
  const converterEntry = Bun.resolveSync('@tensorflow/tfjs-converter', dirname(tfjsEntry))
  const opListDir = join(dirname(converterEntry), 'operations', 'op_list')
  const ops = new Set<string>()
  for (const file of await readdir(opListDir)) {
    if (!file.endsWith('.js')) continue
    const mod = (await import(join(opListDir, file))) as { json?: { tfOpName: string }[] }
    for (const op of mod.json ?? []) ops.add(op.tfOpName)
  }
  if (ops.size === 0) throw new Error(`no op mappings found in ${opListDir}`)
  return ops
}

/** The set of TensorFlow op names the installed TensorFlow.js graph executor supports. */
export const supportedOps = (): Promise<Set<string>> => {
  cached ??= load()
  return cached
}
