import type { K8sObject } from './template.ts'

/** Just the fields of the Kubernetes types the cross-checks read. */
export type Port = { name?: string; containerPort: number }
export type Probe = {
  httpGet?: { path?: string; port: number | string }
  tcpSocket?: { port: number | string }
  exec?: unknown
}
export type EnvVar = {
  name: string
  value?: string
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean }
    configMapKeyRef?: { name: string; key: string }
    fieldRef?: { fieldPath: string }
  }
}
export type Container = {
  name: string
  image: string
  command?: string[]
  args?: string[]
  env?: EnvVar[]
  ports?: Port[]
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
}
export type PodTemplate = {
  metadata?: { labels?: Record<string, string> }
  spec: { containers: Container[]; initContainers?: Container[] }
}
export type LabelSelector = {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind)

export const byName = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)

export const spec = <T>(o: K8sObject): T => (o as unknown as { spec: T }).spec

/** Pod template of a workload (Deployment or StatefulSet), if it is one. */
export const podTemplate = (o: K8sObject): PodTemplate | undefined =>
  o.kind === 'Deployment' || o.kind === 'StatefulSet'
    ? spec<{ template: PodTemplate }>(o).template
    : undefined

export const workloads = (objects: K8sObject[]) =>
  objects.filter((o) => podTemplate(o) !== undefined)

/** Does a label selector select these labels (Kubernetes semantics, In/NotIn/Exists)? */
export const selects = (selector: LabelSelector, labels: Record<string, string> = {}) => {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels
    const value = labels[e.key]
    if (e.operator === 'In' && !(has && e.values?.includes(value!))) return false
    if (e.operator === 'NotIn' && has && e.values?.includes(value!)) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}
