import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject'
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import type { K8sObject } from './template.ts'

type Model = { validate(): void }
type ModelClass = new (data: never) => Model

/** Kinds checked against the Kubernetes (and KEDA) JSON schemas shipped by kubernetes-models. */
const MODELS: Record<string, ModelClass> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
}

const get = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => {
    if (node === null || typeof node !== 'object') return undefined
    return (node as Record<string, unknown>)[key]
  }, obj)

const nonEmptyString = (v: unknown) => typeof v === 'string' && v.length > 0

/**
 * OpenShift kinds have no schema in kubernetes-models: check the fields the API server requires
 * (and those our deployment relies on).
 */
const OPENSHIFT_CHECKS: Record<string, (o: K8sObject) => string[]> = {
  'route.openshift.io/v1/Route': (o) => {
    const errors: string[] = []
    if (get(o, 'spec.to.kind') !== 'Service') errors.push('spec.to.kind must be Service')
    if (!nonEmptyString(get(o, 'spec.to.name'))) errors.push('spec.to.name is required')
    const host = get(o, 'spec.host')
    if (host !== undefined && typeof host !== 'string') errors.push('spec.host must be a string')
    const tls = get(o, 'spec.tls.termination')
    if (tls !== undefined && !['edge', 'passthrough', 'reencrypt'].includes(String(tls)))
      errors.push('spec.tls.termination must be edge, passthrough or reencrypt')
    const insecure = get(o, 'spec.tls.insecureEdgeTerminationPolicy')
    if (insecure !== undefined && !['Allow', 'Redirect', 'None'].includes(String(insecure)))
      errors.push('spec.tls.insecureEdgeTerminationPolicy must be Allow, Redirect or None')
    return errors
  },
  'image.openshift.io/v1/ImageStream': (o) => {
    const local = get(o, 'spec.lookupPolicy.local')
    return local === undefined || typeof local === 'boolean'
      ? []
      : ['spec.lookupPolicy.local must be a boolean']
  },
  'build.openshift.io/v1/BuildConfig': (o) => {
    const errors: string[] = []
    const strategy = get(o, 'spec.strategy.type')
    const strategyKey = { Docker: 'dockerStrategy', Source: 'sourceStrategy' }[String(strategy)]
    if (!strategyKey) errors.push('spec.strategy.type must be Docker or Source')
    else if (typeof get(o, `spec.strategy.${strategyKey}`) !== 'object')
      errors.push(`spec.strategy.${strategyKey} is required for type ${strategy}`)
    if (get(o, 'spec.source.type') !== 'Git') errors.push('spec.source.type must be Git')
    if (!nonEmptyString(get(o, 'spec.source.git.uri')))
      errors.push('spec.source.git.uri is required')
    const to = get(o, 'spec.output.to.kind')
    if (!['ImageStreamTag', 'DockerImage'].includes(String(to)))
      errors.push('spec.output.to.kind must be ImageStreamTag or DockerImage')
    if (!nonEmptyString(get(o, 'spec.output.to.name')))
      errors.push('spec.output.to.name is required')
    return errors
  },
}

export const kindKey = (o: { apiVersion: string; kind: string }) => `${o.apiVersion}/${o.kind}`

/** Problems with one rendered object; empty when it is valid. */
export const validateObject = (o: K8sObject): string[] => {
  const key = kindKey(o)
  const where = `${o.kind} ${o.metadata?.name ?? '(no name)'}`
  const problems: string[] = []
  if (!nonEmptyString(o.metadata?.name)) problems.push('metadata.name is required')
  else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.metadata.name) || o.metadata.name.length > 63)
    problems.push('metadata.name must be a DNS-1123 label (lower case, digits, -), at most 63')
  const Model = MODELS[key]
  const check = OPENSHIFT_CHECKS[key]
  if (Model) {
    try {
      new Model(o as never).validate()
    } catch (err) {
      problems.push(String((err as Error).message))
    }
  } else if (check) problems.push(...check(o))
  else problems.push(`no validator for ${key}`)
  return problems.map((p) => `${where}: ${p}`)
}
