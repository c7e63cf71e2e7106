import { describe, expect, test } from 'bun:test'
import { allProblems, portProblems, secretProblems, selectorProblems } from '../src/checks.ts'
import { renderDeployment } from '../src/deployment.ts'
import { podTemplate } from '../src/k8s.ts'
import type { K8sObject } from '../src/template.ts'
import { at, clone, envOf, find, mainContainer, redisSecretData } from './helpers.ts'
import { SCENARIOS, TWITTER } from './scenarios.ts'

describe('cross-checks pass on every rendered scenario', () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS))
    test(scenario, () => {
      expect(allProblems(renderDeployment(settings))).toEqual([])
    })
})

/** One way to break the rendered defaults, and what the check must then say. */
interface Breakage {
  /** The test's name: what was broken. */
  broke: string
  change: (objects: K8sObject[]) => void
  /** Each must appear in the check's report. */
  says: string[]
}

/** One test a breakage: render the defaults, apply `change`, and `check` must report each of `says`. */
const eachReportedBy = (check: (objects: K8sObject[]) => string[], cases: Breakage[]) => {
  for (const { broke, change, says } of cases)
    test(`${broke} is reported`, () => {
      const objects = clone(renderDeployment(TWITTER))
      change(objects)
      const problems = check(objects).join('\n')
      for (const message of says) expect(problems).toContain(message)
    })
}

describe('selectors', () =>
  eachReportedBy(selectorProblems, [
    {
      broke: 'a Service selecting no pod',
      change: (o) => {
        at<Record<string, string>>(find(o, 'Service', 'master'), 'spec.selector')[
          'app.kubernetes.io/component'
        ] = 'mastr'
      },
      says: ['Service tweetbot-master: selector matches no pod'],
    },
    {
      broke: "a Deployment whose selector misses its pods' labels",
      change: (o) => {
        const pod = podTemplate(find(o, 'Deployment', 'chat-worker'))!
        pod.metadata!.labels!['app.kubernetes.io/component'] = 'chat'
      },
      says: ['does not match its pod template labels'],
    },
    {
      broke: 'a NetworkPolicy admitting clients that do not exist',
      change: (o) => {
        const np = find(o, 'NetworkPolicy', 'tf-serving')
        at<{ values: string[] }[]>(
          np,
          'spec.ingress.0.from.0.podSelector.matchExpressions',
        )[1]!.values = ['nobody']
      },
      says: ['an ingress podSelector matches no pod'],
    },
    {
      broke: 'an autoscaler aimed at a missing Deployment',
      change: (o) => {
        at<{ name: string }>(
          find(o, 'HorizontalPodAutoscaler', 'master'),
          'spec.scaleTargetRef',
        ).name = 'gone'
      },
      says: ['scale target gone is not rendered'],
    },
  ]))

describe('ports', () =>
  eachReportedBy(portProblems, [
    {
      broke: 'a Service targetPort no container listens on',
      // (8500 is gRPC now, a real port: 8502 is one nothing listens on.)
      change: (o) => {
        at<{ targetPort: unknown }[]>(
          find(o, 'Service', 'tf-serving'),
          'spec.ports',
        )[0]!.targetPort = 8502
      },
      says: ['targetPort 8502 is not a port of Deployment tweetbot-tf-serving'],
    },
    {
      broke: 'a probe on an undeclared port',
      change: (o) => {
        mainContainer(find(o, 'Deployment', 'tweet-worker')).readinessProbe!.httpGet!.port = 9090
      },
      says: ['readinessProbe port 9090 is not a container port'],
    },
    {
      broke: 'a container port renamed under its Service and probes',
      change: (o) => {
        mainContainer(find(o, 'Deployment', 'master')).ports![0]!.name = 'web'
      },
      says: ['Service tweetbot-master: targetPort http', 'livenessProbe port http'],
    },
    {
      broke: 'a Route aimed at a port its Service lacks',
      change: (o) => {
        at<{ targetPort: string }>(find(o, 'Route', 'master'), 'spec.port').targetPort = 'https'
      },
      says: ['target port https is not a port of Service'],
    },
    {
      broke: 'a NetworkPolicy opening a port nobody listens on',
      change: (o) => {
        at<{ port: number }[]>(find(o, 'NetworkPolicy', 'redis'), 'spec.ingress.0.ports')[0]!.port =
          6380
      },
      says: ['port 6380 is not a port of Deployment tweetbot-redis'],
    },
  ]))

describe('secrets', () => {
  test('the X credentials and Redis URL come from Secrets in every Deployment', () => {
    const objects = renderDeployment(TWITTER)
    for (const component of ['master', 'chat-worker', 'tweet-worker']) {
      const c = mainContainer(find(objects, 'Deployment', component))
      const credentials = (c.env ?? []).filter((e) => /^TWITTER_|^REDIS_URL$/.test(e.name))
      // Every component needs these two: the loop below must not pass on an empty list.
      expect(credentials.map((e) => e.name)).toEqual(
        expect.arrayContaining(['REDIS_URL', 'TWITTER_CONSUMER_SECRET']),
      )
      for (const e of credentials) expect(e.valueFrom?.secretKeyRef).toBeDefined()
    }
  })

  eachReportedBy(secretProblems, [
    {
      broke: 'a credential written into env as a value (twice: rule and leak)',
      change: (o) => {
        const env = envOf(
          mainContainer(find(o, 'Deployment', 'chat-worker')),
          'TWITTER_ACCESS_TOKEN',
        )!
        delete env.valueFrom
        env.value = TWITTER.TWITTER_ACCESS_TOKEN!
      },
      says: [
        'env TWITTER_ACCESS_TOKEN must use valueFrom.secretKeyRef',
        'Deployment tweetbot-chat-worker: contains a value stored in a Secret',
      ],
    },
    {
      broke: 'a generated Redis password copied into any other object',
      change: (o) => {
        const password = redisSecretData(o).password
        ;(find(o, 'Service', 'redis').metadata as Record<string, unknown>).annotations = {
          note: `pw ${password}`,
        }
      },
      says: ['Service tweetbot-redis: contains a value stored'],
    },
    {
      broke: 'a secretKeyRef to a key the Secret lacks',
      change: (o) => {
        envOf(mainContainer(find(o, 'Deployment', 'master')), 'REDIS_URL')!.valueFrom!
          .secretKeyRef!.key = 'uri'
      },
      says: ['refers to missing key uri of tweetbot-redis'],
    },
  ])
})
