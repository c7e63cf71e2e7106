// ModelSpec → the servable version a request names, and the ModelSpec TF Serving writes back
// (MakeModelSpec in tensorflow_serving/servables/tensorflow/util.cc: name, the signature key
// used, the version served).
import type { ServableHandle } from '../manager/model-manager.ts'
import { invalidArgument } from '../rest/errors.ts'
import type { GrpcDeps } from './deps.ts'

/** A decoded tensorflow.serving.ModelSpec. */
export interface ModelSpecIn {
  name: string
  version?: { value: number | { toString(): string } } | null
  version_label?: string
  signature_name: string
}

export interface ModelSpecOut {
  name: string
  version?: { value: number }
  signature_name?: string
}

/** Where a request points, as the manager takes it. */
export const specTarget = (spec: ModelSpecIn | null | undefined) => {
  if (!spec) throw invalidArgument('Missing ModelSpec')
  const version = spec.version ? Number(spec.version.value) : undefined
  const label = spec.version_label ? spec.version_label : undefined
  return { name: spec.name, version, label }
}

export const acquireFor = (
  deps: GrpcDeps,
  spec: ModelSpecIn | null | undefined,
): ServableHandle => {
  const t = specTarget(spec)
  return deps.manager.acquire(t.name, t.version, t.label)
}

export const responseSpec = (handle: ServableHandle, signatureKey?: string): ModelSpecOut => ({
  name: handle.name,
  version: { value: handle.version },
  ...(signatureKey !== undefined ? { signature_name: signatureKey } : {}),
})
