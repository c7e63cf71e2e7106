import { readFileSync, realpathSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'

// Static imports and re-exports, type-only ones included (a file of types ships too), and
// dynamic imports with a literal path.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g
// Files started by path rather than imported: `new URL('./x.ts', import.meta.url)` (worker
// entries). The static scan does not see those, so they are followed explicitly.
const URL_ENTRY = /new URL\(\s*'(\.{1,2}\/[^']+\.ts)'\s*,\s*import\.meta\.url\s*\)/g

/**
 * Every file of the repository that `entries` reach through static imports, dynamic imports
 * with a literal path and `new URL('./file.ts', import.meta.url)` (relative to `root`, sorted).
 * Imports that resolve into node_modules are packages, not followed.
 */
export const reachableFiles = (root: string, entries: string[]): string[] => {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(file, 'utf8')
    const specs = [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!)
    for (const m of code.matchAll(URL_ENTRY)) specs.push(m[1]!)
    for (const spec of specs) {
      let target: string
      try {
        target = Bun.resolveSync(spec, dirname(file))
      } catch {
        continue // a Node built-in or an optional package that is not installed here
      }
      if (target.includes('/node_modules/') && !target.includes('/node_modules/@tweetbot/'))
        continue
      if (!/\.(ts|js|mjs)$/.test(target)) continue
      visit(target)
    }
  }
  for (const e of entries) visit(resolve(root, e))
  return [...new Set([...seen].map((f) => relative(root, realpathSync(f))))].sort()
}
