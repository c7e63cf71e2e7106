// Test support never ships: walk the import graph from every service entry, and compare it
// with what each container image copies.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { copySources, parseContainerfile } from '../src/containerfile.ts'
import { reachableFiles } from '../src/import-graph.ts'

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

    test('copies no test support', () => {
      expect(image.filter(isTestSupport)).toEqual([])
    })

    test('its own src/ holds only code its entries reach (no test-only code)', () => {
      const needed = new Set(reachableFiles(ROOT, entries))
      expect(image.filter((f) => f.startsWith(own) && f.endsWith('.ts') && !needed.has(f))).toEqual(
        [],
      )
    })

    test('copies every file its entries reach', () => {
      const needed = reachableFiles(ROOT, entries)
      expect(needed.filter((f) => !image.includes(f))).toEqual([])
    })
  })
})
