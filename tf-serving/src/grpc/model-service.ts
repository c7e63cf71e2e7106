// ModelService: GetModelStatus (the REST status route's answer as protos) and
// HandleReloadConfigRequest (a new model config list, applied as --model_config_file's is).
// @see tensorflow_serving/model_servers/model_service_impl.cc
import type { ModelConfig, VersionPolicy } from '../config/model-config.ts'
import { invalidArgument } from '../rest/errors.ts'
import type { GrpcDeps } from './deps.ts'
import { type ModelSpecIn, specTarget } from './model-spec.ts'

const STATE_NUMBER = { START: 10, LOADING: 20, AVAILABLE: 30, UNLOADING: 40, END: 50 } as const
const OK = 0
const UNKNOWN = 2

/**
 * Only `name` and `version` select what is reported: a `version_label` is ignored, as TF
 * Serving's GetModelStatusWithModelSpec reads neither it nor the signature
 * (get_model_status_impl.cc:84-107), and as the REST status route does.
 */
export const grpcModelStatus = (deps: GrpcDeps, req: { model_spec?: ModelSpecIn | null }) => {
  const t = specTarget(req.model_spec)
  return {
    model_version_status: deps.manager.status(t.name, t.version).map((s) => ({
      version: s.version,
      state: STATE_NUMBER[s.state],
      status: { error_code: s.error ? UNKNOWN : OK, error_message: s.error ?? '' },
    })),
  }
}

interface PolicyIn {
  latest?: { num_versions: number } | null
  all?: object | null
  specific?: { versions: ArrayLike<number | { toString(): string }> } | null
}
interface ModelConfigIn {
  name: string
  base_path: string
  model_platform: string
  model_version_policy?: PolicyIn | null
  version_labels: Record<string, number | { toString(): string }>
}
export interface ReloadConfigRequestIn {
  config?: { model_config_list?: { config: ModelConfigIn[] } | null } | null
}

const policyOf = (p: PolicyIn | null | undefined, model: string): VersionPolicy => {
  if (p?.all) return { kind: 'all' }
  if (p?.specific) {
    const versions = Array.from(p.specific.versions, Number)
    if (versions.length === 0)
      throw invalidArgument(`model ${model}: specific.versions must list version numbers`)
    return { kind: 'specific', versions }
  }
  return { kind: 'latest', numVersions: p?.latest?.num_versions || 1 }
}

/** The request's configs, checked as the config file's are (name, base path, no duplicates). */
export const configsOf = (req: ReloadConfigRequestIn): ModelConfig[] => {
  const list = req.config?.model_config_list
  if (!list)
    throw invalidArgument(
      'ServerModelConfig type not supported by HandleReloadConfigRequest. Only ModelConfigList is currently supported',
    )
  const seen = new Set<string>()
  return list.config.map((c, i) => {
    if (!c.name) throw invalidArgument(`config #${i + 1}: name is missing`)
    if (seen.has(c.name)) throw invalidArgument(`model ${c.name} is configured twice`)
    seen.add(c.name)
    if (!c.base_path.startsWith('/'))
      throw invalidArgument(`model ${c.name}: base_path must be an absolute path`)
    return {
      name: c.name,
      basePath: c.base_path,
      platform: c.model_platform || 'tensorflow',
      policy: policyOf(c.model_version_policy, c.name),
      labels: Object.fromEntries(
        Object.entries(c.version_labels ?? {}).map(([k, v]) => [k, Number(v)]),
      ),
    }
  })
}

export const grpcReloadConfig = async (deps: GrpcDeps, req: ReloadConfigRequestIn) => {
  await deps.reloadConfig(configsOf(req))
  return { status: { error_code: OK, error_message: '' } }
}
