// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell and make syntax, not JS templates
import { afterAll, describe, expect, test } from 'bun:test'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bunBinDir } from '@tweetbot/testing'
import { parseAllDocuments } from 'yaml'
import { allProblems } from '../src/checks.ts'
import {
  DEPLOY_ORDER,
  paramsFrom,
  renderDeployment,
  type Settings,
  templatesFor,
} from '../src/deployment.ts'
import type { K8sObject } from '../src/template.ts'
import { validateObject } from '../src/validate.ts'
import { SCENARIOS, TWITTER } from './scenarios.ts'

const ROOT = join(import.meta.dir, '..', '..')
const work = mkdtempSync(join(tmpdir(), 'oc-make-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const which = (tool: string) => {
  const path = Bun.which(tool)
  if (!path) throw new Error(`${tool} is needed to run these tests`)
  return path
}

/** A bin folder with just the tools make and the scripts need, and no oc. */
const noOcBin = join(work, 'bin-no-oc')
mkdirSync(noOcBin)
for (const tool of ['make', 'bash', 'sh']) symlinkSync(which(tool), join(noOcBin, tool))

/**
 * A stand-in `oc` (there is no cluster here): records each call, answers whoami/project, turns
 * `oc process --local` into our offline renderer (the same substitution oc does) and saves what
 * `oc apply` receives, so the test can check what a real deploy would send.
 */
const stubBin = join(work, 'bin-stub')
mkdirSync(stubBin)
writeFileSync(
  join(stubBin, 'oc'),
  `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$OC_STUB_DIR/calls"
case "$1" in
  whoami) [ -n "\${OC_STUB_LOGGED_OUT:-}" ] && exit 1; echo tester ;;
  project) echo bot-project ;;
  get)
    [ "$2 $3" = "project bot-project" ] && exit 0
    for name in \${OC_STUB_EXISTING:-}; do [ "$2" = "$name" ] && exit 0; done
    exit 1 ;;
  api-resources) [ -n "\${OC_STUB_KEDA:-}" ] && echo scaledobjects.keda.sh; exit 0 ;;
  process)
    shift; file=; pf=; extra=()
    while [ $# -gt 0 ]; do
      case "$1" in
        -f) file=$2; shift ;;
        --param-file=*) pf=\${1#--param-file=} ;;
        -p) extra+=(-p "$2"); shift ;;
      esac
      shift
    done
    stat -c %a "$pf" >> "$OC_STUB_DIR/param-file-modes"
    exec bun manifests/src/cli.ts "$file" --param-file "$pf" --ignore-unknown-parameters "\${extra[@]}" ;;
  apply) { echo '---'; cat; } >> "$OC_STUB_DIR/applied.yaml" ;;
  delete) ;;
esac
`,
)
chmodSync(join(stubBin, 'oc'), 0o755)

const bunDir = bunBinDir()
// A full deploy starts make, bash and one renderer process per template: slow on a busy machine.
const SLOW = 120_000
let runs = 0

/** Runs make in the repository with only the given settings (nothing from the caller's env). */
const make = (args: string[], settings: Settings, opts: { path?: string; env?: Settings } = {}) => {
  const dir = join(work, `run-${++runs}`)
  mkdirSync(dir)
  const envFile = join(dir, '.env')
  writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v ?? ''}`)
      .join('\n'),
  )
  const res = Bun.spawnSync(['make', '--no-print-directory', ...args, `ENV_FILE=${envFile}`], {
    cwd: ROOT,
    env: {
      PATH: opts.path ?? `${stubBin}:${bunDir}:/usr/bin:/bin`,
      HOME: dir,
      OC_STUB_DIR: dir,
      ...opts.env,
    },
  })
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8')
    } catch {
      return ''
    }
  }
  const output = `${res.stdout.toString()}${res.stderr.toString()}`
  return {
    code: res.exitCode,
    output,
    lines: output.split('\n').filter((l) => l.trim() !== ''),
    calls: read('calls').split('\n').filter(Boolean),
    applied: read('applied.yaml'),
    modes: read('param-file-modes').split('\n').filter(Boolean),
  }
}

/** The templates a make run applies, in order, from its printed (-n) or executed commands. */
const templatesIn = (lines: string[]) =>
  lines.flatMap((l) => {
    const m =
      /oc-template\.sh (?:apply|create-once) (\S+)/.exec(l) ??
      /process --local -f \S*\/(\S+)\.yaml/.exec(l)
    return m ? [m[1]!] : []
  })

const planned = (settings: Settings) =>
  DEPLOY_ORDER.flatMap((t) => templatesFor(t, settings).map((x) => x.template))

describe('make -n oc_deploy_all', () => {
  test('lists redis, tf-serving, the workers, then master', () => {
    const { code, lines } = make(['-n', 'oc_deploy_all'], {})
    expect(code).toBe(0)
    const order = templatesIn(lines)
    expect(order).toEqual(planned({}))
    const first = (t: string) => order.indexOf(t)
    expect(first('redis')).toBeLessThan(first('tf-serving'))
    expect(first('tf-serving')).toBeLessThan(first('chatbot-worker'))
    expect(first('chatbot-worker')).toBeLessThan(first('tweetbot-worker'))
    expect(first('tweetbot-worker')).toBeLessThan(first('master'))
  })

  test('with GIT_URL, EXTERNAL_REDIS_URL and WORKER_AUTOSCALING=keda', () => {
    const settings = { ...SCENARIOS['every swap at once'], GIT_URL: 'https://example.com/bot.git' }
    const { lines } = make(['-n', 'oc_deploy_all'], settings)
    const order = templatesIn(lines)
    expect(order).toEqual(['builds', ...planned(settings)])
    expect(order).toContain('redis-external')
    expect(order).not.toContain('redis')
    expect(order.filter((t) => t === 'keda-worker')).toHaveLength(2)
    // Each worker's ScaledObject watches its own queue.
    const queues = lines.flatMap(
      (l) => /apply keda-worker WORKER_QUEUE=(\S+)/.exec(l)?.slice(1) ?? [],
    )
    expect(queues).toEqual(['chat', 'tweet'])
  })
})

describe('each target stops with one clear line before changing anything', () => {
  const targets = [
    'oc_deploy_acme',
    'oc_deploy_redis',
    'oc_deploy_tf_serving',
    'oc_deploy_chatbot_worker',
    'oc_deploy_tweetbot_worker',
    'oc_deploy_master',
    'oc_deploy_all',
    'oc_delete_redis',
    'oc_delete_all',
    'register_webhook',
  ]

  for (const target of targets)
    test(`${target} without oc on PATH`, () => {
      const r = make([target], TWITTER, { path: noOcBin })
      expect(r.code).not.toBe(0)
      expect(r.lines).toHaveLength(1)
      expect(r.lines[0]).toContain(`${target}: the OpenShift CLI 'oc' is not on PATH`)
    })

  test('not logged in', () => {
    const r = make(['oc_deploy_redis'], TWITTER, { env: { OC_STUB_LOGGED_OUT: '1' } })
    expect(r.code).not.toBe(0)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toContain('oc_deploy_redis: oc is not logged in')
    expect(r.calls).toEqual(['whoami'])
  })

  test('a required setting is empty', () => {
    const settings = { ...TWITTER, TWITTER_ACCESS_TOKEN_SECRET: '' }
    for (const target of ['oc_deploy_chatbot_worker', 'oc_deploy_master', 'oc_deploy_all']) {
      const r = make([target], settings)
      expect(r.code).not.toBe(0)
      expect(r.lines).toHaveLength(1)
      expect(r.lines[0]).toContain(`${target}: TWITTER_ACCESS_TOKEN_SECRET not set`)
      expect(r.calls.filter((c) => /^(process|apply|delete)/.test(c))).toEqual([])
    }
  })

  test('OC_PROJECT that does not exist', () => {
    const r = make(['oc_deploy_tf_serving'], { OC_PROJECT: 'nope' })
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toContain("oc_deploy_tf_serving: project 'nope' (OC_PROJECT) does not exist")
    expect(r.calls.filter((c) => /^(process|apply)/.test(c))).toEqual([])
  })

  test('OC_PROJECT is where objects are applied', () => {
    const r = make(['oc_deploy_tf_serving'], { OC_PROJECT: 'bot-project' })
    expect(r.code).toBe(0)
    expect(r.calls.find((c) => c.startsWith('apply'))).toContain(
      'apply -n bot-project --server-side',
    )
  })

  test(
    'WORKER_AUTOSCALING=keda on a cluster without KEDA',
    () => {
      const settings = { ...TWITTER, WORKER_AUTOSCALING: 'keda' }
      const r = make(['oc_deploy_chatbot_worker'], settings)
      expect(r.lines).toHaveLength(1)
      expect(r.lines[0]).toContain(
        'oc_deploy_chatbot_worker: WORKER_AUTOSCALING=keda, but this cluster has no KEDA',
      )
      expect(r.calls.filter((c) => /^(process|apply)/.test(c))).toEqual([])
      const withKeda = make(['oc_deploy_chatbot_worker'], settings, { env: { OC_STUB_KEDA: '1' } })
      expect(withKeda.code).toBe(0)
      expect(templatesIn(withKeda.calls)).toEqual([
        'twitter-secret',
        'chatbot-worker',
        'keda-worker',
      ])
    },
    SLOW,
  )

  test('oc_build_images needs GIT_URL', () => {
    const r = make(['oc_build_images'], {})
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toContain('oc_build_images: GIT_URL not set')
  })
})

const appliedObjects = (yamlText: string): K8sObject[] =>
  parseAllDocuments(yamlText).flatMap(
    (d) => (d.toJSON() as { items?: K8sObject[] } | null)?.items ?? [],
  )

describe('oc_deploy_all against a stand-in oc', () => {
  for (const scenario of ['defaults', 'every swap at once']) {
    test(
      `${scenario}: applies valid, consistent objects from the settings in .env`,
      () => {
        const settings = SCENARIOS[scenario]!
        const r = make(['oc_deploy_all'], settings, { env: { OC_STUB_KEDA: '1' } })
        expect(r.output).not.toContain('error')
        expect(r.code).toBe(0)
        expect(templatesIn(r.calls)).toEqual(planned(settings))
        const objects = appliedObjects(r.applied)
        expect(objects.flatMap(validateObject)).toEqual([])
        expect(allProblems(objects)).toEqual([])
        const names = (list: K8sObject[]) =>
          [...new Set(list.map((o) => `${o.kind}/${o.metadata.name}`))].sort()
        expect(names(objects)).toEqual(names(renderDeployment(settings)))
        // Settings reached the templates through .env, e.g. the model server image.
        const tf = objects.find(
          (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-tf-serving'),
        )
        expect(JSON.stringify(tf)).toContain(
          `"image":"${settings.TF_SERVING_IMAGE ?? 'tweetbot-tf-serving:latest'}"`,
        )
        // Applied server-side; secrets travel in private files, never on a command line.
        expect(
          r.calls.filter((c) => c.startsWith('apply')).every((c) => c.includes('--server-side')),
        ).toBe(true)
        expect(r.modes.length).toBeGreaterThan(0)
        expect(new Set(r.modes)).toEqual(new Set(['600']))
        for (const value of Object.values(paramsFrom(TWITTER)))
          expect(r.calls.some((c) => c.includes(value))).toBe(false)
      },
      SLOW,
    )
  }

  test(
    'the Redis Secret is created once: an existing one is kept (its password in use)',
    () => {
      const fresh = make(['oc_deploy_redis'], {})
      expect(fresh.calls).toContain('get secret/tweetbot-redis')
      expect(templatesIn(fresh.calls)).toEqual(['redis-secret', 'redis'])
      const again = make(
        ['oc_deploy_redis'],
        {},
        { env: { OC_STUB_EXISTING: 'secret/tweetbot-redis' } },
      )
      expect(again.code).toBe(0)
      expect(templatesIn(again.calls)).toEqual(['redis'])
      expect(again.output).toContain('secret/tweetbot-redis exists: kept as it is')
    },
    SLOW,
  )

  test(
    'make oc_render prints a template with the .env settings, without oc',
    () => {
      const r = make(
        ['oc_render', 'TEMPLATE=tf-serving'],
        { TF_SERVING_IMAGE: 'tensorflow/serving' },
        {
          path: `${noOcBin}:${bunDir}:/usr/bin:/bin`,
        },
      )
      expect(r.code).toBe(0)
      const objects = appliedObjects(r.output)
      expect(objects.map((o) => o.kind)).toContain('Deployment')
      expect(r.output).toContain('image: tensorflow/serving')
      const none = make(['oc_render'], {}, { path: noOcBin })
      expect(none.lines).toHaveLength(1)
      expect(none.lines[0]).toContain('make oc_render TEMPLATE=<acme|builds|')
    },
    SLOW,
  )
})

describe('delete and register_webhook', () => {
  test('oc_delete_redis deletes by label, the volume and Secret included', () => {
    const r = make(['oc_delete_redis'], {})
    expect(r.code).toBe(0)
    const del = r.calls.find((c) => c.startsWith('delete'))!
    expect(del).toContain('persistentvolumeclaim,secret')
    expect(del).toContain('-l app.kubernetes.io/part-of=tweetbot,app.kubernetes.io/component=redis')
  })

  // Before: it deleted by component label over every kind, so the running master, workers and
  // tf-serving (same labels as their builds) went too.
  test('oc_delete_builds deletes only ImageStreams and BuildConfigs', () => {
    const r = make(['oc_delete_builds'], {})
    expect(r.code).toBe(0)
    const dels = r.calls.filter((c) => c.startsWith('delete'))
    expect(dels).toHaveLength(1)
    expect(dels[0]).toContain('delete imagestream,buildconfig -l ')
    expect(dels[0]).toContain(
      'app.kubernetes.io/part-of=tweetbot,app.kubernetes.io/component in (master,workers,tf-serving)',
    )
  })

  test('register_webhook registers $MASTER_URL/webhook, then subscribes the new id', () => {
    const r = make(['-n', 'register_webhook'], {
      ...TWITTER,
      MASTER_URL: 'https://bot.example.com',
    })
    expect(r.code).toBe(0)
    const text = r.lines.join('\n')
    expect(text).toContain("url='https://bot.example.com'")
    expect(text).toContain('bun run webhook register "${url%/}/webhook"')
    expect(text.indexOf('webhook register')).toBeLessThan(
      text.indexOf('bun run webhook subscribe "$id"'),
    )
  })

  test('register_webhook with MASTER_URL needs no oc, but the X credentials', () => {
    const r = make(
      ['register_webhook'],
      { MASTER_URL: 'https://bot.example.com' },
      { path: noOcBin },
    )
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toContain('register_webhook: TWITTER_CONSUMER_KEY, TWITTER_CONSUMER_SECRET')
  })
})
