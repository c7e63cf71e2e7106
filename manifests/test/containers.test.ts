// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell syntax, not JS templates
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { copySources, execForm, parseContainerfile, type Stage } from '../src/containerfile.ts'

const ROOT = join(import.meta.dir, '..', '..')
const DIR = join(ROOT, 'manifests', 'containers')
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  workspaces: string[]
  scripts: Record<string, string>
}

/** Each image, the workspace it installs, and the root package.json script(s) it runs. */
const IMAGES = [
  { file: 'master.Containerfile', workspace: 'master', scripts: ['master'] },
  { file: 'workers.Containerfile', workspace: 'workers', scripts: ['worker:chat', 'worker:tweet'] },
  { file: 'tf-serving.Containerfile', workspace: 'tf-serving', scripts: ['tf-serving'] },
]

const read = (file: string) => readFileSync(join(DIR, file), 'utf8')
const all = (stages: Stage[]) => stages.flatMap((s) => s.instructions)
const final = (stages: Stage[]) => stages.at(-1)!

/** The source file a root script runs, e.g. `bun workers/src/main.ts chat` → workers/src/main.ts. */
const scriptEntry = (script: string) => {
  const command = rootPackage.scripts[script]
  if (!command) throw new Error(`root package.json has no script ${script}`)
  return command.split(/\s+/).find((w) => w.endsWith('.ts'))!
}

describe.each(IMAGES)('$file', ({ file, workspace, scripts }) => {
  const stages = parseContainerfile(read(file))
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean))

  test('every base image is pinned to a version (no latest, no bare name)', () => {
    for (const s of stages) {
      if (stageNames.has(s.from)) continue
      expect(s.from).toMatch(/^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/)
      expect(s.from).not.toMatch(/:latest$/)
      expect(s.from).toMatch(/oven\/bun:\d+\.\d+\.\d+/)
    }
  })

  test('multi-stage: the final stage copies the built app from an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const copies = final(stages).instructions.filter((i) => i.op === 'COPY')
    expect(copies.some((c) => c.args.includes('--from='))).toBe(true)
  })

  test('runs as a non-root numeric user; files owned by group 0 for random uids', () => {
    const users = final(stages).instructions.filter((i) => i.op === 'USER')
    expect(users.length).toBeGreaterThan(0)
    const user = users.at(-1)!.args.trim()
    expect(user).toMatch(/^\d+(:\d+)?$/)
    expect(user.split(':')[0]).not.toBe('0')
    for (const c of final(stages).instructions.filter((i) => i.op === 'COPY'))
      expect(c.args).toMatch(/--chown=\d+:0\b/)
  })

  test('no HEALTHCHECK: probes live in the templates', () => {
    expect(all(stages).filter((i) => i.op === 'HEALTHCHECK')).toEqual([])
  })

  test('installs with --frozen-lockfile --production, for its own workspace', () => {
    const installs = all(stages).filter((i) => i.op === 'RUN' && /\bbun install\b/.test(i.args))
    expect(installs.length).toBe(1)
    expect(installs[0]!.args).toContain('--frozen-lockfile')
    expect(installs[0]!.args).toContain('--production')
    expect(installs[0]!.args).toContain(`--filter @tweetbot/${workspace}`)
  })

  test('copies bun.lock and every workspace package.json before installing (layer cache)', () => {
    const ins = all(stages)
    const installAt = ins.findIndex((i) => i.op === 'RUN' && i.args.includes('bun install'))
    const before = ins
      .slice(0, installAt)
      .flatMap((i) => (i.op === 'COPY' ? copySources(i.args) : []))
    expect(before).toContain('bun.lock')
    expect(before).toContain('package.json')
    for (const w of rootPackage.workspaces) expect(before).toContain(`${w}/package.json`)
    // No source is copied before the install, or every code change would re-install.
    expect(before.filter((p) => !p.endsWith('package.json') && p !== 'bun.lock')).toEqual([])
  })

  test('everything it copies exists in the repository', () => {
    for (const i of all(stages).filter((x) => x.op === 'COPY' || x.op === 'ADD'))
      for (const src of copySources(i.args))
        expect(`${src} ${existsSync(join(ROOT, src))}`).toBe(`${src} true`)
  })

  test('the script(s) it runs exist and their entry file is copied into the image', () => {
    const copied = all(stages).flatMap((i) => (i.op === 'COPY' ? copySources(i.args) : []))
    for (const script of scripts) {
      const entry = scriptEntry(script)
      expect(copied.some((dir) => entry.startsWith(`${dir}/`))).toBe(true)
      expect(`${entry} ${existsSync(join(ROOT, entry))}`).toBe(`${entry} true`)
    }
  })
})

describe('what each image runs', () => {
  const cmd = (file: string, op: string) =>
    execForm(
      parseContainerfile(read(file))
        .flatMap((s) => s.instructions)
        .filter((i) => i.op === op)
        .at(-1)?.args ?? '',
    )

  test('master: bun run master', () => {
    expect(cmd('master.Containerfile', 'CMD')).toEqual(['bun', 'run', 'master'])
  })

  test('workers: bun run worker:chat by default; the templates pick the queue', () => {
    expect(cmd('workers.Containerfile', 'CMD')).toEqual(['bun', 'run', 'worker:chat'])
  })

  test("tf-serving: an entrypoint that starts like tensorflow/serving's", () => {
    const entry = cmd('tf-serving.Containerfile', 'ENTRYPOINT')
    expect(entry).toEqual(['/usr/local/bin/tf-serving-entrypoint.sh'])
    const script = join(DIR, 'tf-serving-entrypoint.sh')
    expect(statSync(script).mode & 0o111).not.toBe(0)
    const text = readFileSync(script, 'utf8')
    expect(text).toContain(`exec bun ${scriptEntry('tf-serving')}`)
    expect(text).toContain('--rest_api_port="${PORT:-8501}"')
    expect(text).toContain('--model_name="${MODEL_NAME}"')
    expect(text).toContain('--model_base_path="${MODEL_BASE_PATH:-/models}/${MODEL_NAME}"')
    expect(text).toContain('"$@"')
  })

  test('tf-serving: installs @tensorflow/tfjs-node and fails the build if it does not load', () => {
    const text = read('tf-serving.Containerfile')
    expect(text).toContain("require('@tensorflow/tfjs-node')")
    const pkg = JSON.parse(readFileSync(join(ROOT, 'tf-serving', 'package.json'), 'utf8'))
    const declared = { ...pkg.dependencies, ...pkg.optionalDependencies }
    expect(declared['@tensorflow/tfjs-node']).toBeDefined()
    expect(text).toMatch(/ENV .*MODEL_BASE_PATH=\/models/)
  })
})

describe('parseContainerfile', () => {
  test('joins continuation lines and drops comment lines inside them, as Docker does', () => {
    const [stage] = parseContainerfile(
      'FROM oven/bun:1.4.5 AS build\nRUN apt-get update \\\n  # a note\n  && apt-get install -y wrk\n',
    )
    expect(stage?.name).toBe('build')
    expect(stage?.instructions.map((i) => [i.op, i.args, i.line])).toEqual([
      ['FROM', 'oven/bun:1.4.5 AS build', 1],
      ['RUN', 'apt-get update && apt-get install -y wrk', 2],
    ])
  })
})
