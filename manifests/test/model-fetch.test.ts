// Issue 15, finding 6: the model is fetched at a pinned commit and installed only when its
// SHA-256 matches. Runs the tf-serving template's real init script (rendered offline) with sh,
// git and wget against a local git repository and a loopback HTTP server, offline.
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runProcess } from '@tweetbot/testing'
import type { Container } from '../src/k8s.ts'
import { podTemplate } from '../src/k8s.ts'
import { renderTemplate } from '../src/load.ts'
import { modelTreeSha256 } from '../src/model-checksum.ts'

const work = mkdtempSync(join(tmpdir(), 'model-fetch-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const run = (cmd: string[], cwd: string, env: Record<string, string> = {}) => {
  const r = Bun.spawnSync(cmd, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

/** A model repository like the default source: a version folder plus files that are not fetched. */
const repo = join(work, 'repo')
mkdirSync(join(repo, 'models', '1', 'variables'), { recursive: true })
writeFileSync(join(repo, 'models', '1', 'saved_model.pb'), 'graph bytes v1')
writeFileSync(join(repo, 'models', '1', 'variables', 'variables.index'), 'index bytes')
writeFileSync(join(repo, 'README.md'), 'not part of the model')
const git = (...args: string[]) => {
  const r = run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], repo)
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}
git('init', '--quiet', '--initial-branch', 'main')
git('add', '-A')
git('commit', '--quiet', '-m', 'model v1')
const pinned = git('rev-parse', 'HEAD')
const goodSum = modelTreeSha256(join(repo, 'models'))
// A later commit on the branch changes the model: the pin must keep fetching v1.
writeFileSync(join(repo, 'models', '1', 'saved_model.pb'), 'graph bytes v2 (tampered)')
git('commit', '--quiet', '-am', 'model v2')

const initScript = (): { script: string; container: Container } => {
  const deployment = renderTemplate('tf-serving').objects.find((o) => o.kind === 'Deployment')!
  const container = podTemplate(deployment)!.spec.initContainers![0]!
  return { script: container.args![0]!, container }
}

let runs = 0
/**
 * Runs the init script with the template's env, overridden by `env`; returns where it installed.
 * Async: the loopback HTTP server of the .tar.gz test answers from this process.
 */
const fetchModel = async (env: Record<string, string>) => {
  const { script, container } = initScript()
  const dir = join(work, `run-${++runs}`)
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const templateEnv = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']))
  const result = await runProcess(['sh', '-c', script], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...templateEnv,
      MODEL_BASE_PATH: join(dir, 'models'),
      HOME: join(dir, 'tmp'),
      TMPDIR: join(dir, 'tmp'),
      MODEL_SOURCE_PATH: 'models',
      ...env,
    },
  })
  return { ...result, dest: join(dir, 'models', templateEnv.MODEL_NAME ?? 'fedora') }
}

describe('the default model source', () => {
  test('is pinned to a commit, with a SHA-256 the init container checks', () => {
    const { container } = initScript()
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]))
    expect(env.MODEL_SOURCE).toBe('https://github.com/4n4nd/oc-tf-model-serving.git')
    expect(env.MODEL_SOURCE_REF).toMatch(/^[0-9a-f]{40}$/)
    expect(env.MODEL_SOURCE_SHA256).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('fetch-model init script', () => {
  test('a pinned commit with the right SHA-256 is installed (that commit, not the branch tip)', async () => {
    const r = await fetchModel({
      MODEL_SOURCE: `file://${repo}`,
      MODEL_SOURCE_REF: pinned,
      MODEL_SOURCE_SHA256: goodSum,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(readFileSync(join(r.dest, '1', 'saved_model.pb'), 'utf8')).toBe('graph bytes v1')
    expect(readFileSync(join(r.dest, '1', 'variables', 'variables.index'), 'utf8')).toBe(
      'index bytes',
    )
    expect(existsSync(join(r.dest, 'README.md'))).toBe(false)
    expect(r.stdout).toContain(`sha256 ${goodSum}`)
  })

  test('a wrong SHA-256 fails loudly and installs nothing', async () => {
    const bad = `${goodSum.slice(0, 63)}${goodSum.endsWith('0') ? '1' : '0'}`
    const r = await fetchModel({
      MODEL_SOURCE: `file://${repo}`,
      MODEL_SOURCE_REF: pinned,
      MODEL_SOURCE_SHA256: bad,
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`SHA-256 MISMATCH`)
    expect(r.stderr).toContain(`got ${goodSum}, MODEL_SOURCE_SHA256 is ${bad}; nothing installed`)
    expect(existsSync(join(r.dest, '1'))).toBe(false)
  })

  test('the branch tip (changed files) does not match the pinned SHA-256', async () => {
    const r = await fetchModel({
      MODEL_SOURCE: `file://${repo}`,
      MODEL_SOURCE_REF: 'main',
      MODEL_SOURCE_SHA256: goodSum,
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('SHA-256 MISMATCH')
    expect(existsSync(join(r.dest, '1'))).toBe(false)
  })

  test('a .tar.gz over HTTP is checked the same way', async () => {
    const tarball = join(work, 'model.tar.gz')
    const tar = run(['tar', '-czf', tarball, '-C', repo, 'models'], work)
    expect(tar.code).toBe(0)
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => new Response(Bun.file(tarball)),
    })
    try {
      const source = `http://127.0.0.1:${server.port}/model.tar.gz`
      // The tarball holds the tip (v2): its own checksum passes, the pinned one does not.
      const tipSum = modelTreeSha256(join(repo, 'models'))
      const ok = await fetchModel({ MODEL_SOURCE: source, MODEL_SOURCE_SHA256: tipSum })
      expect(ok.stderr).toBe('')
      expect(ok.code).toBe(0)
      expect(readFileSync(join(ok.dest, '1', 'saved_model.pb'), 'utf8')).toBe(
        'graph bytes v2 (tampered)',
      )
      const refused = await fetchModel({ MODEL_SOURCE: source, MODEL_SOURCE_SHA256: goodSum })
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain('SHA-256 MISMATCH')
      expect(existsSync(join(refused.dest, '1'))).toBe(false)
    } finally {
      server.stop(true)
    }
  })

  test('MODEL_SOURCE_SHA256=none installs with a warning that gives the checksum', async () => {
    const r = await fetchModel({
      MODEL_SOURCE: `file://${repo}`,
      MODEL_SOURCE_REF: pinned,
      MODEL_SOURCE_SHA256: 'none',
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(`NOT verified (its SHA-256 is ${goodSum})`)
    expect(existsSync(join(r.dest, '1', 'saved_model.pb'))).toBe(true)
  })
})
