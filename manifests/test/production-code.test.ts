// Test support never ships: walk the import graph from every service entry, and compare it
// with what each container image copies.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { copySources, parseContainerfile } from '../src/containerfile.ts'
import { importCycles, importGraph, reachableFiles } from '../src/import-graph.ts'

const ROOT = join(import.meta.dir, '..', '..')

/** Each image with the entry files its commands start (package.json scripts → files). */
const IMAGES = [
  {
    file: 'master.Containerfile',
    own: 'master/src/',
    entries: ['master/src/main.ts', 'master/src/edge.ts'],
  },
  { file: 'workers.Containerfile', own: 'workers/src/', entries: ['workers/src/main.ts'] },
  {
    file: 'tf-serving.Containerfile',
    own: 'tf-serving/src/',
    // `bun run tf-serving:inspect` ships in the image as an operator tool.
    entries: ['tf-serving/src/main.ts', 'tf-serving/src/savedmodel/inspect-cli.ts'],
  },
]
const ENTRIES = IMAGES.flatMap((i) => i.entries)

/** Test support: the testing workspace and every test folder. */
const isTestSupport = (file: string) =>
  /(^|\/)(test|testing)\//.test(file) || file.endsWith('.test.ts')

const filesUnder = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path]
  })

describe('production code', () => {
  const reached = reachableFiles(ROOT, ENTRIES)

  test('the walk finds the services (it follows workspace packages and worker entries)', () => {
    expect(reached).toContain('common/src/queue/redis-queue.ts')
    expect(reached).toContain('tf-serving/src/inference/worker-entry.ts')
    expect(reached.length).toBeGreaterThan(100)
  })

  test('no file reachable from a service entry is test support', () => {
    expect(reached.filter(isTestSupport)).toEqual([])
  })

  test('the walk follows type-only imports, re-exports, literal dynamic imports and worker URLs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-graph-'))
    try {
      const files: Record<string, string> = {
        'main.ts': [
          "import type { T } from './types.ts'",
          "export { x } from './reexported.ts'",
          "const later = () => import('./dynamic.ts')",
          "new Worker(new URL('./worker.ts', import.meta.url))",
          'export type U = T',
        ].join('\n'),
        'types.ts': 'export type T = 1',
        'reexported.ts': "import { y } from './deep.ts'\nexport const x = y",
        'deep.ts': 'export const y = 1',
        'dynamic.ts': 'export {}',
        'worker.ts': 'export {}',
        'unused.ts': 'export {}',
      }
      for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, name), code)
      expect(reachableFiles(dir, ['main.ts'])).toEqual([
        'deep.ts',
        'dynamic.ts',
        'main.ts',
        'reexported.ts',
        'types.ts',
        'worker.ts',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('has no import cycles (each service is built in layers)', () => {
    expect(importCycles(importGraph(ROOT, ENTRIES))).toEqual([])
  })

  test('importCycles finds each cycle, a file importing itself included, and nothing else', () => {
    const graph = new Map<string, string[]>([
      ['main.ts', ['a.ts', 'leaf.ts', 'self.ts']],
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'leaf.ts']],
      ['c.ts', ['a.ts']],
      ['leaf.ts', []],
      ['self.ts', ['self.ts']],
    ])
    expect(importCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['self.ts']])
    graph.set('c.ts', [])
    expect(importCycles(graph)).toEqual([['self.ts']])
  })

  test('the walk would notice test support (a test file reaches the harness)', () => {
    const fromTest = reachableFiles(ROOT, ['workers/test/reply-guard.test.ts'])
    expect(fromTest.filter(isTestSupport)).toContain('testing/src/index.ts')
  })

  describe.each(IMAGES)('$file', ({ file, own, entries }) => {
    const stages = parseContainerfile(
      readFileSync(join(ROOT, 'manifests', 'containers', file), 'utf8'),
    )
    const copied = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY')
      .flatMap((i) => copySources(i.args))
      .filter((src) => !src.endsWith('package.json') && src !== 'bun.lock')
    const image = copied.flatMap((src) =>
      statSync(join(ROOT, src)).isDirectory() ? filesUnder(src) : [src],
    )

    const needed = reachableFiles(ROOT, entries)

    test('copies no test support', () => {
      expect(image.filter(isTestSupport)).toEqual([])
    })

    test('its own src/ holds only code its entries reach (no test-only code)', () => {
      expect(
        image.filter((f) => f.startsWith(own) && f.endsWith('.ts') && !needed.includes(f)),
      ).toEqual([])
    })

    test('copies every file its entries reach', () => {
      expect(needed.filter((f) => !image.includes(f))).toEqual([])
    })
  })
})
