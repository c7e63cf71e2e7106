// Issue 15, finding 6: the hardening each rendered manifest must keep (offline, from the
// templates with their defaults, like templates.test.ts).
import { describe, expect, test } from 'bun:test'
import { renderDeployment } from '../src/deployment.ts'
import { podTemplate, workloads } from '../src/k8s.ts'
import { renderTemplate } from '../src/load.ts'
import type { K8sObject } from '../src/template.ts'
import { find } from './helpers.ts'
import { SCENARIOS } from './scenarios.ts'

const objects = renderDeployment(SCENARIOS.defaults!)

type Rule = {
  to?: {
    podSelector?: { matchLabels?: Record<string, string> }
    namespaceSelector?: { matchLabels?: Record<string, string> }
    ipBlock?: { cidr: string; except?: string[] }
  }[]
  ports?: { port: number; protocol?: string }[]
}
const egressOf = (component: string) => {
  const policy = find(objects, 'NetworkPolicy', component) as K8sObject & {
    spec: { policyTypes?: string[]; egress?: Rule[] }
  }
  expect(policy.spec.policyTypes).toContain('Egress')
  return policy.spec.egress ?? []
}
const podTargets = (rules: Rule[]) =>
  rules.flatMap((r) =>
    (r.to ?? []).flatMap((t) =>
      t.podSelector
        ? [
            `${t.podSelector.matchLabels?.['app.kubernetes.io/component']}:${r.ports?.map((p) => p.port).join(',')}`,
          ]
        : [],
    ),
  )
const isDns = (r: Rule) =>
  (r.to ?? []).some(
    (t) => t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'openshift-dns',
  ) && (r.ports ?? []).every((p) => p.port === 53 || p.port === 5353)
const publicHttps = (r: Rule) => (r.to ?? []).some((t) => t.ipBlock)
const PRIVATE = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
]

describe('egress NetworkPolicies', () => {
  for (const worker of ['chat-worker', 'tweet-worker'])
    test(`${worker}: Redis, tf-serving, DNS, and public 443 only`, () => {
      const rules = egressOf(worker)
      // tf-serving: REST (8501) and gRPC (8500, TF_SERVER_URL=grpc://…).
      expect(podTargets(rules).sort()).toEqual(['redis:6379', 'tf-serving:8501,8500'])
      expect(rules.filter(isDns)).toHaveLength(1)
      const outside = rules.filter(publicHttps)
      expect(outside).toHaveLength(1)
      expect(outside[0]?.ports).toEqual([{ port: 443, protocol: 'TCP' }])
      for (const cidr of PRIVATE) expect(outside[0]?.to?.[0]?.ipBlock?.except).toContain(cidr)
      expect(rules).toHaveLength(4)
    })

  test('master: Redis and DNS only, nothing outside the cluster', () => {
    const rules = egressOf('master')
    expect(podTargets(rules)).toEqual(['redis:6379'])
    expect(rules.filter(isDns)).toHaveLength(1)
    expect(rules.filter(publicHttps)).toEqual([])
    expect(rules).toHaveLength(2)
  })

  test('tf-serving: only what the init container fetch needs (DNS, public 443), no cluster pods', () => {
    const rules = egressOf('tf-serving')
    expect(podTargets(rules)).toEqual([])
    expect(rules.filter(isDns)).toHaveLength(1)
    const outside = rules.filter(publicHttps)
    expect(outside[0]?.ports).toEqual([{ port: 443, protocol: 'TCP' }])
    for (const cidr of PRIVATE) expect(outside[0]?.to?.[0]?.ipBlock?.except).toContain(cidr)
    expect(rules).toHaveLength(2)
  })

  // Each template repeats the DNS rule and the public-443 rule (a template cannot include
  // another): every copy must stay the same.
  test('the repeated DNS and public-443 rules are identical in every template', () => {
    const all = ['chat-worker', 'tweet-worker', 'master', 'tf-serving'].map(egressOf)
    const dns = all.flatMap((rules) => rules.filter(isDns))
    expect(dns).toHaveLength(4)
    for (const r of dns) expect(r).toEqual(dns[0]!)
    const outside = all.flatMap((rules) => rules.filter(publicHttps))
    expect(outside).toHaveLength(3)
    for (const r of outside) expect(r).toEqual(outside[0]!)
  })
})

describe('pods', () => {
  const pods = workloads(objects)
  test('every container has a read-only root filesystem; /tmp is an emptyDir', () => {
    expect(pods.length).toBeGreaterThan(3)
    for (const w of pods) {
      const spec = podTemplate(w)!.spec as {
        containers: {
          name: string
          securityContext?: { readOnlyRootFilesystem?: boolean }
          volumeMounts?: { name: string; mountPath: string }[]
        }[]
        initContainers?: typeof spec.containers
        volumes?: { name: string; emptyDir?: object }[]
      }
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect({ [c.name]: c.securityContext?.readOnlyRootFilesystem }).toEqual({ [c.name]: true })
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp')
        expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined()
      }
    }
  })

  test('no service-account token where nothing calls the Kubernetes API', () => {
    expect(pods.length).toBeGreaterThan(3)
    for (const w of pods) {
      const spec = podTemplate(w)!.spec as { automountServiceAccountToken?: boolean }
      expect({ [w.metadata.name]: spec.automountServiceAccountToken }).toEqual({
        [w.metadata.name]: false,
      })
    }
  })
})

describe('openshift-acme', () => {
  const { objects: acme } = renderTemplate('acme', {})
  const role = acme.find((o) => o.kind === 'Role') as K8sObject & {
    rules: { resources: string[]; resourceNames?: string[] }[]
  }
  test('its Role names the Secrets it may touch, or documents why it cannot', () => {
    const secretRules = role.rules.filter((r) => r.resources.includes('secrets'))
    const limited = secretRules.every((r) => (r.resourceNames ?? []).length > 0)
    const why = (role.metadata.annotations as Record<string, string> | undefined)?.[
      'tweetbot.io/secrets-scope'
    ]
    expect(limited || (why ?? '').includes('resourceNames')).toBe(true)
  })
  test('the controller keeps its token (it manages Routes through the API) and a read-only root', () => {
    const d = acme.find((o) => o.kind === 'Deployment')!
    const spec = podTemplate(d)!.spec as {
      automountServiceAccountToken?: boolean
      containers: { securityContext?: { readOnlyRootFilesystem?: boolean } }[]
    }
    expect(spec.automountServiceAccountToken).not.toBe(false)
    expect(spec.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true)
  })
})
