import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '@tweetbot/common/config'
import type { z } from 'zod'
import { containerEnv } from './checks.ts'
import { podTemplate, workloads } from './k8s.ts'
import type { K8sObject } from './template.ts'

/** Where the services' env schemas live; the manifests are checked against them. */
export const CONFIG_DIR = join(import.meta.dir, '..', '..', 'common', 'src', 'config')

/** Files in CONFIG_DIR that hold helpers, not service schemas. */
const HELPER_FILES = new Set(['fields.ts', 'load-config.ts', 'index.ts'])

export type EnvSchema = z.ZodType & { shape: Record<string, z.ZodType> }
export type FoundSchema = { file: string; exportName: string; schema: EnvSchema }

/**
 * Which Deployment (by its app.kubernetes.io/component label) runs with which exported schema.
 * Only the mapping lives here; the variables themselves are read from the schemas.
 */
export const DEPLOYED_SCHEMAS: { file: string; exportName: string; components: string[] }[] = [
  { file: 'master.ts', exportName: 'masterEnvSchema', components: ['master'] },
  { file: 'worker.ts', exportName: 'workerEnvSchema', components: ['chat-worker', 'tweet-worker'] },
  { file: 'tf-serving.ts', exportName: 'tfServingEnvSchema', components: ['tf-serving'] },
]

/** Exported schemas that no OpenShift Deployment runs with, and why. */
export const NOT_DEPLOYED: Record<string, string> = {
  sharedEnvSchema: 'part of every service schema, checked through them',
  masterEdgeEnvSchema: 'the master on an edge runtime (Upstash over HTTP), not on OpenShift',
  sandboxEnvSchema: 'the local stand-in X for `make dev`; loopback only, never deployed',
}

const isEnvSchema = (v: unknown): v is EnvSchema =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as { safeParse?: unknown }).safeParse === 'function' &&
  typeof (v as { shape?: unknown }).shape === 'object'

/** Every zod object schema exported by common/src/config/*.ts (helpers excluded). */
export const findSchemas = async (): Promise<FoundSchema[]> => {
  const found: FoundSchema[] = []
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts') && !HELPER_FILES.has(f))
  for (const file of files.sort()) {
    const mod = (await import(join(CONFIG_DIR, file))) as Record<string, unknown>
    for (const [exportName, value] of Object.entries(mod))
      if (isEnvSchema(value)) found.push({ file, exportName, schema: value })
  }
  return found
}

/** Keys a schema cannot do without: parsing "unset" fails (not optional, no default). */
export const requiredKeys = (schema: EnvSchema): string[] =>
  Object.entries(schema.shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key)

/**
 * Checks a rendered Deployment against the schema its service parses at start-up: every
 * required key is set, the whole env (Secret values included) passes `loadConfig` exactly as
 * the service would run it, and no env var is one the schema does not know (a typo).
 */
export const envProblems = (
  objects: K8sObject[],
  component: string,
  schema: EnvSchema,
  source: string,
): string[] => {
  const deployment = workloads(objects).find(
    (w) => w.metadata.labels?.['app.kubernetes.io/component'] === component,
  )
  if (!deployment) return [`no Deployment with component ${component} rendered`]
  const container = podTemplate(deployment)!.spec.containers[0]!
  const where = `${deployment.metadata.name} (${source})`
  const env = containerEnv(objects, container)
  const problems = requiredKeys(schema)
    .filter((key) => !(key in env))
    .map((key) => `${where}: does not set ${key}, which the schema requires`)
  for (const key of Object.keys(env))
    if (!(key in schema.shape))
      problems.push(`${where}: sets ${key}, which the schema does not read`)
  try {
    loadConfig(component, schema, env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    problems.push(...err.problems.map((p) => `${where}: ${p}`))
  }
  return problems
}
