// Issue 15, finding 6: one Redis user per role instead of one all-powerful password, and egress
// to an external Redis. Rendered offline, like templates.test.ts; the rules themselves are
// exercised against a real redis-server in common/test/queue/acl.test.ts.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { REDIS_ROLES, redisAclConfig } from '@tweetbot/common/queue'
import { renderDeployment } from '../src/deployment.ts'
import { type LabelSelector, podTemplate, selects, workloads } from '../src/k8s.ts'
import { renderTemplate } from '../src/load.ts'
import { PASSWORD_ENV, REDIS_TEMPLATE, templateAclLines, withAclLines } from '../src/redis-acl.ts'
import type { K8sObject } from '../src/template.ts'
import { at, envOf, find, mainContainer, redisSecretData } from './helpers.ts'
import { SCENARIOS } from './scenarios.ts'

const objects = renderDeployment(SCENARIOS.defaults!)

describe('in-cluster Redis users', () => {
  test('the template carries exactly the rules of common/src/queue/acl.ts', () => {
    const text = readFileSync(REDIS_TEMPLATE, 'utf8')
    expect(withAclLines(text, templateAclLines())).toBe(text)
  })

  test('the Redis container hands redis-server those users, passwords expanded by its shell', () => {
    const redis = find(
      renderTemplate('redis', { QUEUE_PREFIX: 'fb' }).objects,
      'Deployment',
      'redis',
    )
    const script = mainContainer(redis).args![0]!
    expect(script).toMatch(/^exec redis-server - .*<<EOF$/m)
    // The same here-document, printed instead of fed to redis-server, by a real shell.
    const printed = Bun.spawnSync(
      ['sh', '-c', script.replace(/^exec redis-server - .*<<EOF$/m, 'cat <<EOF')],
      {
        env: {
          [PASSWORD_ENV.master]: 'pwMaster1',
          [PASSWORD_ENV.worker]: 'pwWorker2',
          [PASSWORD_ENV.admin]: 'pwAdmin3',
        },
      },
    )
    expect(printed.exitCode).toBe(0)
    const lines = printed.stdout
      .toString()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
    expect(lines).toEqual(
      redisAclConfig('fb', { master: 'pwMaster1', worker: 'pwWorker2', admin: 'pwAdmin3' }),
    )
    expect(lines[0]).toStartWith('user default off')
  })

  test('each password comes from the Secret; the probe logs in as admin', () => {
    const c = mainContainer(find(objects, 'Deployment', 'redis'))
    const keyOf = (name: string) => envOf(c, name)?.valueFrom?.secretKeyRef?.key
    expect(keyOf(PASSWORD_ENV.admin)).toBe('password')
    expect(keyOf(PASSWORD_ENV.master)).toBe('master-password')
    expect(keyOf(PASSWORD_ENV.worker)).toBe('worker-password')
    expect(at<string[]>(c, 'readinessProbe.exec.command').join(' ')).toContain('--user admin')
  })

  test('three generated passwords, one URL per role', () => {
    const data = redisSecretData(objects)
    const passwords = [data.password, data['master-password'], data['worker-password']]
    for (const p of passwords) expect(p).toMatch(/^[a-zA-Z0-9]{32}$/)
    expect(new Set(passwords).size).toBe(3)
    expect(data.url).toBe(`redis://admin:${data.password}@tweetbot-redis:6379/0`)
    expect(data['master-url']).toBe(
      `redis://master:${data['master-password']}@tweetbot-redis:6379/0`,
    )
    expect(data['worker-url']).toBe(
      `redis://worker:${data['worker-password']}@tweetbot-redis:6379/0`,
    )
    expect(data['worker-username']).toBe('worker')
    expect(REDIS_ROLES).toEqual(['master', 'worker', 'admin'])
  })

  test("each service's REDIS_URL carries its own user", () => {
    const redisUrlKey = (component: string) =>
      envOf(mainContainer(find(objects, 'Deployment', component)), 'REDIS_URL')?.valueFrom
        ?.secretKeyRef?.key
    expect(redisUrlKey('master')).toBe('master-url')
    expect(redisUrlKey('chat-worker')).toBe('worker-url')
    expect(redisUrlKey('tweet-worker')).toBe('worker-url')
  })

  test('KEDA logs in as the worker user', () => {
    const keda = renderDeployment(SCENARIOS['keda autoscaling']!)
    const auth = keda.find((o) => o.kind === 'TriggerAuthentication')!
    const refs = at<{ parameter: string; key: string }[]>(auth, 'spec.secretTargetRef')
    expect(Object.fromEntries(refs.map((r) => [r.parameter, r.key]))).toEqual({
      address: 'address',
      username: 'worker-username',
      password: 'worker-password',
    })
  })
})

type Egress = {
  to?: { ipBlock?: { cidr: string } }[]
  ports?: { port: number; protocol?: string }[]
}
const externalEgress = (objs: K8sObject[]) =>
  objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'tweetbot-redis-external') as
    | (K8sObject & {
        spec: { podSelector: LabelSelector; policyTypes: string[]; egress: Egress[] }
      })
    | undefined

describe('external Redis', () => {
  const settings = SCENARIOS['external redis']!

  test('every role uses EXTERNAL_REDIS_URL; KEDA its user and password', () => {
    const data = redisSecretData(renderDeployment(settings))
    for (const key of ['url', 'master-url', 'worker-url'])
      expect(data[key]).toBe(settings.EXTERNAL_REDIS_URL!)
    expect(data['worker-username']).toBe('default')
    expect(data['worker-password']).toBe(settings.EXTERNAL_REDIS_PASSWORD!)
  })

  test('the master and both workers get egress to its port, nothing else does', () => {
    const rendered = renderDeployment(settings)
    const policy = externalEgress(rendered)!
    expect(policy.spec.policyTypes).toEqual(['Egress'])
    expect(policy.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ])
    const selected = workloads(rendered)
      .filter((w) => selects(policy.spec.podSelector, podTemplate(w)!.metadata?.labels))
      .map((w) => w.metadata.labels?.['app.kubernetes.io/component'])
    expect(selected.sort()).toEqual(['chat-worker', 'master', 'tweet-worker'])
  })

  test('its port and addresses are settings (a TLS endpoint on 443, one address)', () => {
    const policy = externalEgress(
      renderDeployment({
        ...settings,
        EXTERNAL_REDIS_EGRESS_PORT: '443',
        EXTERNAL_REDIS_EGRESS_CIDR: '203.0.113.7/32',
      }),
    )!
    expect(policy.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '203.0.113.7/32' } }], ports: [{ port: 443, protocol: 'TCP' }] },
    ])
  })

  test('the in-cluster Redis opens no egress of its kind', () => {
    expect(externalEgress(objects)).toBeUndefined()
  })

  test('the OpenShift master talks to Redis over TCP only: no Upstash REST, so no 443', () => {
    // master/src/main.ts reads REDIS_URL; the Upstash REST entry (master/src/edge.ts) is for edge
    // runtimes and is not what the master image runs.
    for (const s of [SCENARIOS.defaults!, settings]) {
      const master = mainContainer(find(renderDeployment(s), 'Deployment', 'master'))
      expect(master.command).toEqual(['bun', 'run', 'master'])
      expect((master.env ?? []).filter((e) => e.name.startsWith('UPSTASH_'))).toEqual([])
      const egress = at<Egress[]>(
        find(renderDeployment(s), 'NetworkPolicy', 'master'),
        'spec.egress',
      )
      expect(egress.flatMap((r) => r.ports ?? []).map((p) => p.port)).not.toContain(443)
    }
  })
})
