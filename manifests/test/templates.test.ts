import { describe, expect, test } from 'bun:test'
import { queueKeys } from '@tweetbot/common/queue'
import { renderDeployment } from '../src/deployment.ts'
import { podTemplate, workloads } from '../src/k8s.ts'
import { readTemplate, renderTemplate, templateNames } from '../src/load.ts'
import { templateSchema } from '../src/template.ts'
import { validateObject } from '../src/validate.ts'
import { at, clone, envOf, find, mainContainer, redisSecretData } from './helpers.ts'
import { REQUIRED_PARAMS, SCENARIOS, TWITTER } from './scenarios.ts'

const names = templateNames()

describe('every template renders with its defaults and validates', () => {
  test('the templates are there', () => {
    for (const expected of [
      'acme',
      'redis',
      'tf-serving',
      'chatbot-worker',
      'tweetbot-worker',
      'master',
    ])
      expect(names).toContain(expected)
  })

  for (const name of names) {
    test(name, () => {
      const { objects } = renderTemplate(name, REQUIRED_PARAMS[name] ?? {})
      expect(objects.length).toBeGreaterThan(0)
      expect(objects.flatMap(validateObject)).toEqual([])
    })

    test(`${name}: every parameter is described and used`, () => {
      const t = templateSchema.parse(readTemplate(name))
      const body = JSON.stringify(t.objects)
      for (const p of t.parameters) {
        expect(p.description ?? '').not.toBe('')
        expect(body.includes(`\${${p.name}}`) || body.includes(`\${{${p.name}}}`)).toBe(true)
      }
    })
  }
})

describe('the whole deployment renders and validates in every scenario', () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS)) {
    test(scenario, () => {
      const objects = renderDeployment(settings)
      expect(objects.flatMap(validateObject)).toEqual([])
      const components = workloads(objects).map(
        (w) => w.metadata.labels?.['app.kubernetes.io/component'],
      )
      for (const c of ['tf-serving', 'chat-worker', 'tweet-worker', 'master'])
        expect(components).toContain(c)
    })
  }
})

describe('tf-serving swaps to tensorflow/serving with one parameter', () => {
  const ours = find(renderDeployment(SCENARIOS.defaults!), 'Deployment', 'tf-serving')
  const theirs = find(
    renderDeployment(SCENARIOS['tensorflow/serving']!),
    'Deployment',
    'tf-serving',
  )

  test('only the image differs (and the image trigger that follows it)', () => {
    expect(mainContainer(theirs).image).toBe('tensorflow/serving')
    const a = clone(ours)
    const b = clone(theirs)
    for (const d of [a, b]) {
      mainContainer(d).image = 'X'
      delete (d.metadata as { annotations?: unknown }).annotations
    }
    expect(b).toEqual(a)
  })

  test("the image's own entrypoint starts it: no command or args", () => {
    expect(mainContainer(theirs).command).toBeUndefined()
    expect(mainContainer(theirs).args).toBeUndefined()
  })

  test("TF Serving's env, port and model layout", () => {
    const c = mainContainer(theirs)
    const model = envOf(c, 'MODEL_NAME')?.value
    expect(model).toBeTruthy()
    expect(envOf(c, 'MODEL_BASE_PATH')?.value).toBe('/models')
    expect(c.ports?.map((p) => p.containerPort)).toEqual([8501, 8500])
    expect(at<{ mountPath: string }[]>(c, 'volumeMounts').map((m) => m.mountPath)).toContain(
      '/models',
    )
    // The init container fills $MODEL_BASE_PATH/$MODEL_NAME/<version>/ on the same volume.
    const init = podTemplate(theirs)!.spec.initContainers![0]!
    expect(envOf(init, 'MODEL_NAME')?.value).toBe(model)
    expect(envOf(init, 'MODEL_BASE_PATH')?.value).toBe('/models')
    expect(init.args?.join('\n')).toContain('dest="$MODEL_BASE_PATH/$MODEL_NAME"')
    // Each checked version folder lands in $dest/<version> (run for real in model-fetch.test.ts).
    expect(init.args?.join('\n')).toContain(
      'for version in "$stage"/*; do cp -R "$version" "$dest/"',
    )
  })

  test('probes use a path both servers answer', () => {
    const c = mainContainer(theirs)
    const model = envOf(c, 'MODEL_NAME')?.value
    for (const probe of [c.readinessProbe, c.startupProbe]) {
      expect(probe?.httpGet?.path).toBe(`/v1/models/${model}`)
      expect(probe?.httpGet?.port).toBe(8501)
    }
    expect(c.livenessProbe?.tcpSocket?.port).toBe(8501)
  })

  test('the model source defaults to the original fedora-finder SavedModel repository', () => {
    const init = podTemplate(ours)!.spec.initContainers![0]!
    expect(envOf(init, 'MODEL_SOURCE')?.value).toBe(
      'https://github.com/4n4nd/oc-tf-model-serving.git',
    )
  })

  test("workers call the model server's predict URL for the same model", () => {
    for (const [scenario, settings] of Object.entries(SCENARIOS)) {
      const objects = renderDeployment(settings)
      const tf = find(objects, 'Deployment', 'tf-serving')
      const svc = find(objects, 'Service', 'tf-serving')
      const model = envOf(mainContainer(tf), 'MODEL_NAME')?.value
      const port = at<{ port: number }[]>(svc, 'spec.ports')[0]!.port
      for (const worker of ['chat-worker', 'tweet-worker']) {
        const url = envOf(mainContainer(find(objects, 'Deployment', worker)), 'TF_SERVER_URL')
        expect(`${scenario}: ${url?.value}`).toBe(
          `${scenario}: http://${svc.metadata.name}:${port}/v1/models/${model}:predict`,
        )
      }
    }
  })
})

describe('redis', () => {
  const objects = renderDeployment(SCENARIOS.defaults!)
  const redis = find(objects, 'Deployment', 'redis')

  test('append-only file on a PersistentVolumeClaim, password from the Secret', () => {
    const c = mainContainer(redis)
    expect(c.args?.join(' ')).toContain('--appendonly yes')
    expect(c.args?.join(' ')).toContain('--dir /data')
    expect(envOf(c, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.key).toBe('password')
    const claim = at<string>(podTemplate(redis), 'spec.volumes.0.persistentVolumeClaim.claimName')
    expect(
      objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim),
    ).toBe(true)
  })

  test('an external Redis replaces the in-cluster one: same Secret name and keys', () => {
    const settings = SCENARIOS['external redis']!
    const ext = renderDeployment(settings)
    // The Secret, and the egress the master and workers need to reach it; no Redis pod.
    expect(
      ext
        .filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'redis')
        .map((o) => `${o.kind}/${o.metadata.name}`),
    ).toEqual(['Secret/tweetbot-redis', 'NetworkPolicy/tweetbot-redis-external'])
    const external = redisSecretData(ext)
    expect(external.url).toBe(settings.EXTERNAL_REDIS_URL!)
    expect(Object.keys(external).sort()).toEqual(Object.keys(redisSecretData(objects)).sort())
  })
})

describe('master', () => {
  const objects = renderDeployment(SCENARIOS.defaults!)

  test('the only Route: edge TLS, certificate from openshift-acme', () => {
    for (const settings of Object.values(SCENARIOS)) {
      const routes = renderDeployment(settings).filter((o) => o.kind === 'Route')
      expect(routes).toHaveLength(1)
      expect(routes[0]!.metadata.labels?.['app.kubernetes.io/component']).toBe('master')
    }
    const route = find(objects, 'Route', 'master')
    expect(at(route, 'metadata.annotations')).toEqual({ 'kubernetes.io/tls-acme': 'true' })
    expect(at(route, 'spec.tls.termination')).toBe('edge')
    expect(at(route, 'spec.tls.insecureEdgeTerminationPolicy')).toBe('Redirect')
  })

  test('a HorizontalPodAutoscaler owns the replica count', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'master')
    expect(at(hpa, 'spec.scaleTargetRef.name')).toBe('tweetbot-master')
    expect(at<number>(hpa, 'spec.minReplicas')).toBeGreaterThanOrEqual(2)
    expect(at(find(objects, 'Deployment', 'master'), 'spec.replicas')).toBeUndefined()
  })

  test('ROUTE_HOST sets the public host', () => {
    const route = find(renderDeployment(SCENARIOS['every swap at once']!), 'Route', 'master')
    expect(at(route, 'spec.host')).toBe('bot.example.com')
  })
})

describe('KEDA autoscaling of the workers (WORKER_AUTOSCALING=keda)', () => {
  test('off by default', () => {
    expect(renderDeployment(SCENARIOS.defaults!).some((o) => o.kind === 'ScaledObject')).toBe(false)
  })

  for (const scenario of ['keda autoscaling', 'every swap at once']) {
    test(`${scenario}: one ScaledObject per worker on its pending list`, () => {
      const settings = SCENARIOS[scenario]!
      const objects = renderDeployment(settings)
      const prefix = settings.QUEUE_PREFIX ?? 'tweetbot'
      for (const queue of ['chat', 'tweet'] as const) {
        const so = find(objects, 'ScaledObject', `${queue}-worker`)
        const deployment = find(objects, 'Deployment', `${queue}-worker`)
        expect(at(so, 'spec.scaleTargetRef.name')).toBe(deployment.metadata.name)
        const trigger = at<{ type: string; metadata: Record<string, string> }>(
          so,
          'spec.triggers.0',
        )
        expect(trigger.type).toBe('redis')
        // The list the master pushes to, named by common's queue key function.
        expect(trigger.metadata.listName).toBe(queueKeys(prefix, queue).pending)
        const auth = find(objects, 'TriggerAuthentication', `${queue}-worker`)
        expect(at(so, 'spec.triggers.0.authenticationRef.name')).toBe(auth.metadata.name)
      }
    })
  }
})

describe('pods', () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS)) {
    test(`${scenario}: non-root, no privilege escalation, memory limits, CPU requests`, () => {
      const pods = workloads(renderDeployment(settings))
      // redis (or not, with an external one), tf-serving, master and the two workers.
      expect(pods.length).toBeGreaterThanOrEqual(4)
      for (const w of pods) {
        const pod = podTemplate(w)!
        for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          const where = `${w.metadata.name}/${c.name}`
          expect(`${where} ${at(c, 'securityContext.runAsNonRoot')}`).toBe(`${where} true`)
          expect(`${where} ${at(c, 'securityContext.allowPrivilegeEscalation')}`).toBe(
            `${where} false`,
          )
          expect(`${where} ${typeof at(c, 'resources.limits.memory')}`).toBe(`${where} string`)
          expect(`${where} ${typeof at(c, 'resources.requests.cpu')}`).toBe(`${where} string`)
        }
      }
    })
  }

  test('master and workers: liveness on /healthz, readiness on /readyz', () => {
    const objects = renderDeployment(SCENARIOS.defaults!)
    for (const component of ['master', 'chat-worker', 'tweet-worker']) {
      const c = mainContainer(find(objects, 'Deployment', component))
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz')
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz')
    }
  })

  test('workers: one image, the two commands of the root package.json', () => {
    const objects = renderDeployment(SCENARIOS.defaults!)
    const chat = mainContainer(find(objects, 'Deployment', 'chat-worker'))
    const tweet = mainContainer(find(objects, 'Deployment', 'tweet-worker'))
    expect(chat.image).toBe(tweet.image)
    expect(chat.command).toEqual(['bun', 'run', 'worker:chat'])
    expect(tweet.command).toEqual(['bun', 'run', 'worker:tweet'])
  })

  test('every Deployment is apps/v1', () => {
    for (const settings of Object.values(SCENARIOS)) {
      const deployments = renderDeployment(settings).filter(
        (o) => o.kind === 'Deployment' || o.kind === 'DeploymentConfig',
      )
      expect(deployments.length).toBeGreaterThanOrEqual(4)
      for (const o of deployments) expect(o.apiVersion).toBe('apps/v1')
    }
  })
})

describe('image change triggers', () => {
  test('each built image rolls its Deployment out when a build pushes it', () => {
    const objects = renderDeployment(SCENARIOS.defaults!)
    for (const component of ['master', 'chat-worker', 'tweet-worker', 'tf-serving']) {
      const d = find(objects, 'Deployment', component)
      const triggers = JSON.parse(
        (d.metadata as unknown as { annotations: Record<string, string> }).annotations[
          'image.openshift.io/triggers'
        ]!,
      ) as { from: { kind: string; name: string }; fieldPath: string }[]
      const c = mainContainer(d)
      expect(triggers).toEqual([
        {
          from: { kind: 'ImageStreamTag', name: c.image },
          fieldPath: `spec.template.spec.containers[?(@.name=="${c.name}")].image`,
        },
      ])
      // The tag is one the builds template produces.
      const built = renderTemplate('builds', REQUIRED_PARAMS.builds).objects.filter(
        (o) => o.kind === 'BuildConfig',
      )
      expect(built.map((b) => at<string>(b, 'spec.output.to.name'))).toContain(c.image)
    }
  })
})

describe('the validator catches broken objects', () => {
  const objects = renderDeployment(TWITTER)

  test('a Deployment with a wrongly typed field', () => {
    const d = clone(find(objects, 'Deployment', 'master'))
    ;(d as unknown as { spec: { replicas?: unknown } }).spec.replicas = '2'
    expect(validateObject(d).join()).toContain('replicas must be integer')
  })

  test('a Route without its target Service', () => {
    const r = clone(find(objects, 'Route', 'master'))
    delete (r as unknown as { spec: { to: { name?: string } } }).spec.to.name
    expect(validateObject(r).join()).toContain('spec.to.name is required')
  })

  test('a BuildConfig whose strategy object is missing', () => {
    const b = clone(
      renderTemplate('builds', REQUIRED_PARAMS.builds).objects.find(
        (o) => o.kind === 'BuildConfig',
      )!,
    )
    delete (b as unknown as { spec: { strategy: { dockerStrategy?: unknown } } }).spec.strategy
      .dockerStrategy
    expect(validateObject(b).join()).toContain('dockerStrategy is required')
  })

  test('a ScaledObject with a number where KEDA wants a string', () => {
    const so = clone(
      renderTemplate('keda-worker', REQUIRED_PARAMS['keda-worker']).objects.find(
        (o) => o.kind === 'ScaledObject',
      )!,
    )
    ;(so as unknown as { spec: { triggers: { metadata: Record<string, unknown> }[] } }).spec
      .triggers[0]!.metadata.listLength = 20
    expect(validateObject(so).join()).toContain('listLength must be string')
  })

  test('an unknown kind and a bad name', () => {
    expect(
      validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' } }).join(),
    ).toContain('no validator')
    expect(
      validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' } }).join(),
    ).toContain('DNS-1123')
  })
})
