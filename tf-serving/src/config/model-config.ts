// TF Serving's --model_config_file (ModelServerConfig in text format), the subset we serve:
//   model_config_list {
//     config {
//       name: 'default'  base_path: '/models/default'  model_platform: 'tensorflow'
//       model_version_policy { latest { num_versions: 2 } | all {} | specific { versions: 1 versions: 2 } }
//       version_labels { key: 'stable' value: 1 }
//     }
//   }
// @see tensorflow_serving/config/model_server_config.proto
import { isAbsolute, resolve } from 'node:path'
import { setOwn } from '../rest/own.ts'
import { isMessage, parseTextProto, type TextMessage, type TextValue } from './text-proto.ts'

export type VersionPolicy =
  | { kind: 'latest'; numVersions: number }
  | { kind: 'all' }
  | { kind: 'specific'; versions: number[] }

export interface ModelConfig {
  name: string
  basePath: string
  platform: string
  policy: VersionPolicy
  labels: Record<string, number>
}

export class ModelConfigError extends Error {
  override name = 'ModelConfigError'
}

const str = (m: TextMessage, field: string): string | undefined => {
  const v = m[field]?.[0]
  return v === undefined ? undefined : String(v)
}
const msgs = (m: TextMessage, field: string): TextMessage[] =>
  (m[field] ?? []).filter((v: TextValue) => isMessage(v)) as TextMessage[]

const parsePolicy = (m: TextMessage | undefined, model: string): VersionPolicy => {
  if (!m) return { kind: 'latest', numVersions: 1 }
  const latest = msgs(m, 'latest')[0]
  if (latest) {
    const n = Number(latest.num_versions?.[0] ?? 1)
    if (!Number.isInteger(n) || n < 1)
      throw new ModelConfigError(`model ${model}: latest.num_versions must be a positive integer`)
    return { kind: 'latest', numVersions: n }
  }
  if (msgs(m, 'all')[0]) return { kind: 'all' }
  const specific = msgs(m, 'specific')[0]
  if (specific) {
    const versions = (specific.versions ?? []).map(Number)
    if (versions.length === 0 || versions.some((v) => !Number.isInteger(v) || v < 0))
      throw new ModelConfigError(`model ${model}: specific.versions must list version numbers`)
    return { kind: 'specific', versions }
  }
  return { kind: 'latest', numVersions: 1 }
}

/** Parses the file's text; relative base paths resolve against `relativeTo` (the file's folder). */
export const parseModelConfig = (text: string, relativeTo: string): ModelConfig[] => {
  const root = parseTextProto(text)
  const list = msgs(root, 'model_config_list')[0]
  if (!list) throw new ModelConfigError('the config has no model_config_list { … } block')
  const seen = new Set<string>()
  return msgs(list, 'config').map((c, i) => {
    const name = str(c, 'name')
    if (!name) throw new ModelConfigError(`config #${i + 1}: name is missing`)
    if (seen.has(name)) throw new ModelConfigError(`model ${name} is configured twice`)
    seen.add(name)
    const base = str(c, 'base_path')
    if (!base) throw new ModelConfigError(`model ${name}: base_path is missing`)
    const labels: Record<string, number> = {}
    for (const l of msgs(c, 'version_labels')) {
      const key = str(l, 'key')
      const value = Number(l.value?.[0])
      if (!key || !Number.isInteger(value))
        throw new ModelConfigError(`model ${name}: version_labels need a key and a numeric value`)
      setOwn(labels, key, value)
    }
    return {
      name,
      basePath: isAbsolute(base) ? base : resolve(relativeTo, base),
      platform: str(c, 'model_platform') ?? 'tensorflow',
      policy: parsePolicy(msgs(c, 'model_version_policy')[0], name),
      labels,
    }
  })
}
