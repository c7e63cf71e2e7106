import { describe, expect, test } from 'bun:test'
import { allProblems, portProblems, secretProblems, selectorProblems } from '../src/checks.ts'
import { renderDeployment } from '../src/deployment.ts'
import { podTemplate } from '../src/k8s.ts'
import type { K8sObject } from '../src/template.ts'
import { at, clone, envOf, find, mainContainer } from './helpers.ts'
import { SCENARIOS, TWITTER } from './scenarios.ts'

describe('cross-checks pass on every rendered scenario', () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS))
    test(scenario, () => {
      expect(allProblems(renderDeployment(settings))).toEqual([])
    })
})

/** Renders the defaults, lets `change` break one thing, returns the objects. */
const broken = (change: (objects: K8sObject[]) => void) => {
  const objects = clone(renderDeployment(TWITTER))
  change(objects)
  return objects
}

describe('selectors', () => {
  test('a Service selecting no pod is reported', () => {
    const objects = broken((o) => {
      at<Record<string, string>>(find(o, 'Service', 'master'), 'spec.selector')[
        'app.kubernetes.io/component'
      ] = 'mastr'
    })
    expect(selectorProblems(objects).join()).toContain(
      'Service tweetbot-master: selector matches no pod',
    )
  })

  test("a Deployment whose selector misses its pods' labels is reported", () => {
    const objects = broken((o) => {
      const pod = podTemplate(find(o, 'Deployment', 'chat-worker'))!
      pod.metadata!.labels!['app.kubernetes.io/component'] = 'chat'
    })
    expect(selectorProblems(objects).join()).toContain('does not match its pod template labels')
  })

  test('a NetworkPolicy admitting clients that do not exist is reported', () => {
    const objects = broken((o) => {
      const np = find(o, 'NetworkPolicy', 'tf-serving')
      at<{ values: string[] }[]>(
        np,
        'spec.ingress.0.from.0.podSelector.matchExpressions',
      )[1]!.values = ['nobody']
    })
    expect(selectorProblems(objects).join()).toContain('an ingress podSelector matches no pod')
  })

  test('an autoscaler aimed at a missing Deployment is reported', () => {
    const objects = broken((o) => {
      at<{ name: string }>(
        find(o, 'HorizontalPodAutoscaler', 'master'),
        'spec.scaleTargetRef',
      ).name = 'gone'
    })
    expect(selectorProblems(objects).join()).toContain('scale target gone is not rendered')
  })
})

describe('ports', () => {
  test('a Service targetPort no container listens on is reported', () => {
    const objects = broken((o) => {
      // (8500 is gRPC now, a real port: 8502 is one nothing listens on.)
      at<{ targetPort: unknown }[]>(find(o, 'Service', 'tf-serving'), 'spec.ports')[0]!.targetPort =
        8502
    })
    expect(portProblems(objects).join()).toContain(
      'targetPort 8502 is not a port of Deployment tweetbot-tf-serving',
    )
  })

  test('a probe on an undeclared port is reported', () => {
    const objects = broken((o) => {
      mainContainer(find(o, 'Deployment', 'tweet-worker')).readinessProbe!.httpGet!.port = 9090
    })
    expect(portProblems(objects).join()).toContain(
      'readinessProbe port 9090 is not a container port',
    )
  })

  test('a container port renamed under its Service and probes is reported', () => {
    const objects = broken((o) => {
      mainContainer(find(o, 'Deployment', 'master')).ports![0]!.name = 'web'
    })
    const problems = portProblems(objects).join('\n')
    expect(problems).toContain('Service tweetbot-master: targetPort http')
    expect(problems).toContain('livenessProbe port http')
  })

  test('a Route aimed at a port its Service lacks is reported', () => {
    const objects = broken((o) => {
      at<{ targetPort: string }>(find(o, 'Route', 'master'), 'spec.port').targetPort = 'https'
    })
    expect(portProblems(objects).join()).toContain('target port https is not a port of Service')
  })

  test('a NetworkPolicy opening a port nobody listens on is reported', () => {
    const objects = broken((o) => {
      at<{ port: number }[]>(find(o, 'NetworkPolicy', 'redis'), 'spec.ingress.0.ports')[0]!.port =
        6380
    })
    expect(portProblems(objects).join()).toContain(
      'port 6380 is not a port of Deployment tweetbot-redis',
    )
  })
})

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

  test('a credential written into env as a value is reported, twice (rule and leak)', () => {
    const objects = broken((o) => {
      const env = envOf(
        mainContainer(find(o, 'Deployment', 'chat-worker')),
        'TWITTER_ACCESS_TOKEN',
      )!
      delete env.valueFrom
      env.value = TWITTER.TWITTER_ACCESS_TOKEN!
    })
    const problems = secretProblems(objects).join('\n')
    expect(problems).toContain('env TWITTER_ACCESS_TOKEN must use valueFrom.secretKeyRef')
    expect(problems).toContain(
      'Deployment tweetbot-chat-worker: contains a value stored in a Secret',
    )
  })

  test('a generated Redis password copied into any other object is reported', () => {
    const objects = broken((o) => {
      const password = at<string>(
        o.find((x) => x.kind === 'Secret' && x.metadata.name === 'tweetbot-redis'),
        'stringData.password',
      )
      ;(find(o, 'Service', 'redis').metadata as Record<string, unknown>).annotations = {
        note: `pw ${password}`,
      }
    })
    expect(secretProblems(objects).join()).toContain(
      'Service tweetbot-redis: contains a value stored',
    )
  })

  test('a secretKeyRef to a key the Secret lacks is reported', () => {
    const objects = broken((o) => {
      envOf(mainContainer(find(o, 'Deployment', 'master')), 'REDIS_URL')!.valueFrom!
        .secretKeyRef!.key = 'uri'
    })
    expect(secretProblems(objects).join()).toContain('refers to missing key uri of tweetbot-redis')
  })
})
