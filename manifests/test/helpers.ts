import type { Container, EnvVar } from '../src/k8s.ts'
import { podTemplate } from '../src/k8s.ts'
import type { K8sObject } from '../src/template.ts'

export const clone = <T>(v: T): T => structuredClone(v)

export const find = (objects: K8sObject[], kind: string, component: string) => {
  const o = objects.find(
    (x) => x.kind === kind && x.metadata.labels?.['app.kubernetes.io/component'] === component,
  )
  if (!o) throw new Error(`no ${kind} for ${component}`)
  return o
}

export const mainContainer = (o: K8sObject): Container => podTemplate(o)!.spec.containers[0]!

export const envOf = (c: Container, name: string): EnvVar | undefined =>
  c.env?.find((e) => e.name === name)

export const at = <T = unknown>(o: unknown, path: string): T =>
  path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown>)?.[k], o) as T

/** The rendered Redis Secret's `stringData` (passwords and URLs, in-cluster or external). */
export const redisSecretData = (objects: K8sObject[]) =>
  at<Record<string, string>>(
    objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'tweetbot-redis'),
    'stringData',
  )
