import type { z } from 'zod'

/** Thrown at start-up when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

type Env = Record<string, string | undefined>

/**
 * Parses `env` once with `schema`. Every issue is reported by variable name; values are never
 * echoed back, so a mistyped secret cannot leak into logs through the error message.
 */
export const loadConfig = <S extends z.ZodType>(
  service: string,
  schema: S,
  env: Env,
): z.output<S> => {
  // Empty strings mean "unset": shells and manifests often export VAR= for an absent value.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  )
  const result = schema.safeParse(cleaned)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join('.') : '(environment)'
    const missing = issue.code === 'invalid_type' && cleaned[String(issue.path[0])] === undefined
    return missing ? `${name}: required but not set` : `${name}: ${describeIssue(issue)}`
  })
  throw new ConfigError(service, problems)
}

const describeIssue = (issue: z.core.$ZodIssue): string => {
  // zod's default messages can quote the received value ("Invalid input: received 'abc'");
  // keep only messages written by our schemas or zod's value-free wording.
  const message = issue.message.replace(/received .*/i, '').trim()
  return message.length > 0 ? message : issue.code
}

/**
 * `loadConfig` for a service's entry point: a bad environment prints the message (plus `hint`)
 * and exits 2, instead of a stack trace.
 */
export const loadConfigOrExit = <S extends z.ZodType>(
  service: string,
  schema: S,
  env: Env,
  hint?: string,
): z.output<S> => {
  try {
    return loadConfig(service, schema, env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(hint ? `${err.message}\n${hint}` : err.message)
    process.exit(2)
  }
}
