import {
  byName,
  type Container,
  type LabelSelector,
  ofKind,
  type PodTemplate,
  type Probe,
  podTemplate,
  selects,
  spec,
  workloads,
} from './k8s.ts'
import type { K8sObject } from './template.ts'

const name = (o: K8sObject) => `${o.kind} ${o.metadata.name}`

/** Pods (of the rendered workloads) a selector picks. */
const selectedPods = (objects: K8sObject[], selector: LabelSelector) =>
  workloads(objects)
    .map((w) => ({ workload: w, pod: podTemplate(w)! }))
    .filter(({ pod }) => selects(selector, pod.metadata?.labels))

/**
 * Every selector selects something: a Deployment's own pods, a Service's and a
 * PodDisruptionBudget's pods, a NetworkPolicy's pods and the clients it admits; every scale
 * target (HPA, ScaledObject) exists.
 */
export const selectorProblems = (objects: K8sObject[]): string[] => {
  const problems: string[] = []
  for (const w of workloads(objects)) {
    const sel = spec<{ selector: LabelSelector }>(w).selector
    if (!sel?.matchLabels || Object.keys(sel.matchLabels).length === 0)
      problems.push(`${name(w)}: selector.matchLabels is empty`)
    else if (!selects(sel, podTemplate(w)!.metadata?.labels))
      problems.push(`${name(w)}: selector does not match its pod template labels`)
  }
  for (const s of ofKind(objects, 'Service')) {
    const sel = spec<{ selector?: Record<string, string> }>(s).selector
    if (!sel || selectedPods(objects, { matchLabels: sel }).length === 0)
      problems.push(`${name(s)}: selector matches no pod template`)
  }
  for (const p of ofKind(objects, 'PodDisruptionBudget')) {
    if (selectedPods(objects, spec<{ selector: LabelSelector }>(p).selector).length === 0)
      problems.push(`${name(p)}: selector matches no pod template`)
  }
  for (const np of ofKind(objects, 'NetworkPolicy')) {
    const s = spec<{
      podSelector: LabelSelector
      ingress?: { from?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[] }[]
    }>(np)
    if (selectedPods(objects, s.podSelector).length === 0)
      problems.push(`${name(np)}: podSelector matches no pod template`)
    for (const rule of s.ingress ?? [])
      for (const peer of rule.from ?? [])
        if (peer.podSelector && !peer.namespaceSelector)
          if (selectedPods(objects, peer.podSelector).length === 0)
            problems.push(`${name(np)}: an ingress podSelector matches no pod template`)
  }
  for (const kind of ['HorizontalPodAutoscaler', 'ScaledObject']) {
    for (const o of ofKind(objects, kind)) {
      const target = spec<{ scaleTargetRef: { kind?: string; name: string } }>(o).scaleTargetRef
      if (!byName(objects, target.kind ?? 'Deployment', target.name))
        problems.push(`${name(o)}: scale target ${target.name} is not rendered`)
    }
  }
  return problems
}

const containers = (pod: PodTemplate): Container[] => [
  ...(pod.spec.initContainers ?? []),
  ...pod.spec.containers,
]

/** The container port a Service targetPort or probe port names, if any. */
const resolvePort = (c: Container, port: number | string | undefined) =>
  c.ports?.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port))

const probes = (c: Container): [string, Probe][] =>
  (['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
    .filter((k) => c[k] !== undefined)
    .map((k) => [k, c[k]!])

/**
 * Ports agree: each Service port's targetPort is a container port of the pods it selects, each
 * HTTP/TCP probe targets a declared container port, a Route's target port is a port of its
 * Service, and a NetworkPolicy opens only ports its pods listen on.
 */
export const portProblems = (objects: K8sObject[]): string[] => {
  const problems: string[] = []
  for (const w of workloads(objects)) {
    for (const c of podTemplate(w)!.spec.containers) {
      for (const [kind, probe] of probes(c)) {
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port
        if (port !== undefined && !resolvePort(c, port))
          problems.push(`${name(w)}: ${c.name} ${kind} port ${port} is not a container port`)
      }
    }
  }
  for (const s of ofKind(objects, 'Service')) {
    const sp = spec<{
      selector?: Record<string, string>
      ports: { name?: string; port: number; targetPort?: number | string }[]
    }>(s)
    const pods = selectedPods(objects, { matchLabels: sp.selector ?? {} })
    for (const port of sp.ports) {
      const target = port.targetPort ?? port.port
      for (const { workload, pod } of pods)
        if (!pod.spec.containers.some((c) => resolvePort(c, target)))
          problems.push(`${name(s)}: targetPort ${target} is not a port of ${name(workload)}`)
    }
  }
  for (const r of ofKind(objects, 'Route')) {
    const rs = spec<{ to: { name: string }; port?: { targetPort: number | string } }>(r)
    const svc = byName(objects, 'Service', rs.to.name)
    if (!svc) {
      problems.push(`${name(r)}: Service ${rs.to.name} is not rendered`)
      continue
    }
    const target = rs.port?.targetPort
    const ports = spec<{ ports: { name?: string; port: number; targetPort?: number | string }[] }>(
      svc,
    ).ports
    if (target !== undefined && !ports.some((p) => p.name === target || p.port === target))
      problems.push(`${name(r)}: target port ${target} is not a port of ${name(svc)}`)
  }
  for (const np of ofKind(objects, 'NetworkPolicy')) {
    const s = spec<{ podSelector: LabelSelector; ingress?: { ports?: { port?: number }[] }[] }>(np)
    const pods = selectedPods(objects, s.podSelector)
    for (const rule of s.ingress ?? [])
      for (const p of rule.ports ?? [])
        for (const { workload, pod } of pods)
          if (p.port !== undefined && !pod.spec.containers.some((c) => resolvePort(c, p.port)))
            problems.push(`${name(np)}: port ${p.port} is not a port of ${name(workload)}`)
  }
  return problems
}

/** Env names that carry credentials (or a URL that embeds one): they must come from a Secret. */
export const SECRET_ENV =
  /^(TWITTER_(CONSUMER_KEY|CONSUMER_SECRET|ACCESS_TOKEN|ACCESS_TOKEN_SECRET)|REDIS_URL)$|SECRET|PASSWORD|TOKEN/

/** Secret keys whose values are credentials (or URLs embedding one). */
const CREDENTIAL_KEY = /key|secret|token|password|url/i

/** A Secret's keys and values as pods see them: data base64-decoded, stringData over it. */
const secretData = (secret: K8sObject): Record<string, string> => {
  const s = secret as K8sObject & {
    stringData?: Record<string, string>
    data?: Record<string, string>
  }
  const decoded = Object.entries(s.data ?? {}).map(
    ([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')] as const,
  )
  return { ...Object.fromEntries(decoded), ...s.stringData }
}

/** Every credential value stored in the rendered Secrets. */
const secretValues = (objects: K8sObject[]): string[] =>
  ofKind(objects, 'Secret').flatMap((s) =>
    Object.entries(secretData(s))
      .filter(([k]) => CREDENTIAL_KEY.test(k))
      .map(([, v]) => v),
  )

const strings = (node: unknown, out: string[] = []): string[] => {
  if (typeof node === 'string') out.push(node)
  else if (Array.isArray(node)) for (const n of node) strings(n, out)
  else if (node !== null && typeof node === 'object')
    for (const v of Object.values(node)) strings(v, out)
  return out
}

/**
 * No secret in plain text: credential-like env vars use secretKeyRef (to a Secret and key that
 * exist when that Secret is rendered too), and no value held in a Secret appears anywhere
 * outside Secrets.
 */
export const secretProblems = (objects: K8sObject[]): string[] => {
  const problems: string[] = []
  for (const w of workloads(objects)) {
    for (const c of containers(podTemplate(w)!)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef
        if (SECRET_ENV.test(e.name) && !ref)
          problems.push(`${name(w)}: ${c.name} env ${e.name} must use valueFrom.secretKeyRef`)
        if (!ref) continue
        const secret = byName(objects, 'Secret', ref.name)
        if (secret && !(ref.key in secretData(secret)))
          problems.push(`${name(w)}: env ${e.name} refers to missing key ${ref.key} of ${ref.name}`)
      }
    }
  }
  const values = secretValues(objects).filter((v) => v.length >= 6)
  for (const o of objects) {
    if (o.kind === 'Secret') continue
    const text = strings(o)
    for (const v of values)
      if (text.some((t) => t.includes(v)))
        problems.push(`${name(o)}: contains a value stored in a Secret`)
  }
  return problems
}

/**
 * The environment a container would see, with secretKeyRef values looked up in the rendered
 * Secrets (or `placeholder` when that Secret is not among `objects`).
 */
export const containerEnv = (
  objects: K8sObject[],
  c: Container,
  placeholder = 'x',
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef
    if (ref) {
      const s = byName(objects, 'Secret', ref.name)
      env[e.name] = (s && secretData(s)[ref.key]) ?? placeholder
    } else env[e.name] = e.value ?? placeholder
  }
  return env
}

/** Every cross-check on one rendered set of objects. */
export const allProblems = (objects: K8sObject[]) => [
  ...selectorProblems(objects),
  ...portProblems(objects),
  ...secretProblems(objects),
]
