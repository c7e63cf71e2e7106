/**
 * The SHA-256 the tf-serving init container checks (MODEL_SOURCE_SHA256): for every file under
 * the folder holding the numbered version folders, a `sha256sum` line (`<hex>  ./<path>`), paths
 * sorted bytewise; then the SHA-256 of those lines. The init script computes the same with
 * find | sort | sha256sum, so a value from here and one from the pod agree.
 *   bun manifests/src/model-checksum.ts <folder holding 1/, 2/, …>
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const filesUnder = (root: string, dir = root): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? filesUnder(root, join(dir, e.name))
      : e.isFile()
        ? [relative(root, join(dir, e.name))]
        : [],
  )

/** The checksum of the numbered version folders under `root` (other entries are not fetched). */
export const modelTreeSha256 = (root: string): string => {
  const versions = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9]+$/.test(e.name))
    .map((e) => e.name)
  const paths = versions
    .flatMap((v) => filesUnder(root, join(root, v)))
    .map((p) => `./${p}`)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const lines = paths.map(
    (p) =>
      `${createHash('sha256')
        .update(readFileSync(join(root, p)))
        .digest('hex')}  ${p}\n`,
  )
  return createHash('sha256').update(lines.join('')).digest('hex')
}

if (import.meta.main) {
  const root = process.argv[2]
  if (!root) {
    console.error('usage: bun manifests/src/model-checksum.ts <folder holding the version folders>')
    process.exitCode = 2
  } else console.info(modelTreeSha256(root))
}
