// The repository must stand on its own: a clone has no sibling folders, so no tracked file may
// read, link or mention the planning folder that sat beside it during development, nor the
// planning documents kept there. The forbidden words are spelled in pieces so this file does not
// match itself.
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')
const SIBLING = 'shared'
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  {
    what: `a path into ${SIBLING}/`,
    pattern: new RegExp(`(^|[^A-Za-z0-9_.-])(\\.\\./)*${SIBLING}/`),
  },
  { what: 'the design document', pattern: new RegExp(`\\b${'DESIGN'}\\.md\\b`) },
  { what: 'the style document', pattern: new RegExp(`\\b${'STYLE'}\\.md\\b`) },
]

const trackedFiles = () => {
  const res = Bun.spawnSync(['git', 'ls-files', '-z'], { cwd: ROOT })
  if (res.exitCode !== 0)
    throw new Error(`git ls-files failed (run the tests in a git checkout): ${res.stderr}`)
  return res.stdout.toString().split('\0').filter(Boolean)
}

/** Text files only: a NUL byte in the first 8 KiB marks a binary (SavedModels, PNGs, wasm). */
const isText = (bytes: Uint8Array) => !bytes.subarray(0, 8192).includes(0)

describe('the repository stands on its own', () => {
  test('no tracked file refers to the planning folder or its documents', async () => {
    const files = trackedFiles()
    expect(files.length).toBeGreaterThan(100)
    const found: string[] = []
    for (const file of files) {
      if (file === 'bun.lock') continue // package names such as @scope/shared-utils are not ours
      const bytes = await Bun.file(join(ROOT, file)).bytes()
      if (!isText(bytes)) continue
      const lines = new TextDecoder().decode(bytes).split('\n')
      lines.forEach((line, i) => {
        for (const { what, pattern } of FORBIDDEN)
          if (pattern.test(line))
            found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`)
      })
    }
    expect(found).toEqual([])
  })

  test('the scan catches what it forbids', () => {
    const hits = (line: string) => FORBIDDEN.filter(({ pattern }) => pattern.test(line)).length
    expect(hits(`const FIXTURES = '../../../../${SIBLING}/fixtures/savedmodels'`)).toBe(1)
    expect(hits(`Facts and sources: \`${SIBLING}/reference/x-activity-api.md\`.`)).toBe(1)
    expect(hits(`as ${'DESIGN'}.md measured`)).toBe(1)
    expect(hits(`described in ${'STYLE'}.md`)).toBe(1)
    expect(hits('the queue is shared by master and workers; sharedEnvSchema')).toBe(0)
  })
})
