import { readFileSync, realpathSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'

// Static imports and re-exports, type-only ones included (a file of types ships too), and
// dynamic imports with a literal path.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g
// Files started by path rather than imported: `new URL('./x.ts', import.meta.url)` (worker
// entries). The static scan does not see those, so they are followed explicitly.
const URL_ENTRY = /new URL\(\s*'(\.{1,2}\/[^']+\.ts)'\s*,\s*import\.meta\.url\s*\)/g

/**
 * The import graph that `entries` reach through static imports, dynamic imports with a literal
 * path and `new URL('./file.ts', import.meta.url)`: each file (relative to `root`) with the
 * files it imports. Imports that resolve into node_modules are packages, not followed.
 */
export const importGraph = (root: string, entries: string[]): Map<string, string[]> => {
  const graph = new Map<string, string[]>()
  const name = (file: string) => relative(root, realpathSync(file))
  const visit = (file: string, from = name(file)) => {
    if (graph.has(from)) return
    const targets: string[] = []
    graph.set(from, targets)
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
      const to = name(target)
      targets.push(to)
      visit(target, to)
    }
  }
  for (const e of entries) visit(resolve(root, e))
  return graph
}

/** Every file `entries` reach (see importGraph), sorted. */
export const reachableFiles = (root: string, entries: string[]): string[] =>
  [...importGraph(root, entries).keys()].sort()

/**
 * The import cycles of `graph`: each strongly connected group of two or more files (or a file
 * that imports itself), its files sorted. Empty when the graph is layered.
 */
export const importCycles = (graph: Map<string, string[]>): string[][] => {
  // Tarjan's algorithm. Recursive like importGraph's walk: both go as deep as the longest chain.
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const cycles: string[][] = []
  const connect = (file: string) => {
    index.set(file, index.size)
    low.set(file, index.get(file)!)
    stack.push(file)
    onStack.add(file)
    const targets = graph.get(file) ?? []
    for (const t of targets) {
      if (!index.has(t)) {
        connect(t)
        low.set(file, Math.min(low.get(file)!, low.get(t)!))
      } else if (onStack.has(t)) low.set(file, Math.min(low.get(file)!, index.get(t)!))
    }
    if (low.get(file) !== index.get(file)) return
    const group: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      group.push(member)
    } while (member !== file)
    if (group.length > 1 || targets.includes(file)) cycles.push(group.sort())
  }
  for (const file of graph.keys()) if (!index.has(file)) connect(file)
  return cycles
}
