// `bun run build:wasm [-- -o <file>]`: compiles wasm/scan-numbers.ts (AssemblyScript) into
// src/rest/scan-numbers.wasm, which is committed; a test checks it matches its source.
import { resolve } from 'node:path'
import asc from 'assemblyscript/asc'

const root = resolve(import.meta.dir, '..')
const at = process.argv.indexOf('-o')
const out =
  at >= 0 ? resolve(process.argv[at + 1] ?? '') : resolve(root, 'src/rest/scan-numbers.wasm')
const { error, stderr } = await asc.main([
  resolve(root, 'wasm/scan-numbers.ts'),
  '-O3',
  '--runtime',
  'stub',
  '--noAssert',
  '-o',
  out,
])
if (error) {
  console.error(stderr.toString())
  process.exit(1)
}
