import { z } from 'zod'
import { generateFromExpression } from './generate.ts'

/** The parts of an OpenShift `Template` that `oc process` reads. */
export const templateSchema = z.object({
  apiVersion: z.enum(['template.openshift.io/v1', 'v1']),
  kind: z.literal('Template'),
  metadata: z.object({ name: z.string().min(1) }).passthrough(),
  labels: z.record(z.string(), z.string()).optional(),
  message: z.string().optional(),
  parameters: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z0-9_]+$/),
        displayName: z.string().optional(),
        description: z.string().optional(),
        value: z.string().optional(),
        required: z.boolean().optional(),
        generate: z.literal('expression').optional(),
        from: z.string().optional(),
      }),
    )
    .default([]),
  objects: z.array(z.record(z.string(), z.unknown())),
})
export type Template = z.output<typeof templateSchema>
export type K8sObject = Record<string, unknown> & {
  apiVersion: string
  kind: string
  metadata: { name: string; labels?: Record<string, string>; [k: string]: unknown }
}

export type ProcessOptions = {
  /** Like `oc process --ignore-unknown-parameters`: values for undeclared names are dropped. */
  ignoreUnknownParameters?: boolean
}

export class TemplateError extends Error {
  override name = 'TemplateError'
}

/**
 * Resolves each parameter's value the way `oc process` does: a given value wins (even an empty
 * one), else the template's `value`, else a generated one; a required parameter left empty is
 * an error.
 */
export const resolveParameters = (
  template: Template,
  given: Record<string, string>,
  options: ProcessOptions = {},
): Record<string, string> => {
  const declared = new Set(template.parameters.map((p) => p.name))
  const unknown = Object.keys(given).filter((name) => !declared.has(name))
  if (unknown.length > 0 && !options.ignoreUnknownParameters)
    throw new TemplateError(
      `${template.metadata.name}: unknown parameter name(s): ${unknown.join(', ')}`,
    )
  const values: Record<string, string> = {}
  const missing: string[] = []
  for (const p of template.parameters) {
    let value = given[p.name] ?? p.value ?? ''
    if (value === '' && p.generate === 'expression') {
      if (!p.from) throw new TemplateError(`${p.name}: generate: expression without from`)
      value = generateFromExpression(p.from)
    }
    if (value === '' && p.required) missing.push(p.name)
    values[p.name] = value
  }
  if (missing.length > 0)
    throw new TemplateError(
      `${template.metadata.name}: required parameter(s) without a value: ${missing.join(', ')}`,
    )
  return values
}

const NON_STRING = /^\$\{\{([A-Za-z0-9_]+)\}\}$/
const STRING = /\$\{([A-Za-z0-9_]+)\}/g
const STRING_IN_NON_STRING = /\$\{\{([A-Za-z0-9_]+)\}\}/g

/**
 * Substitutes one string. A string that is exactly `${{NAME}}` becomes the JSON value of the
 * parameter (number, boolean, object...), as oc does; elsewhere `${NAME}` and `${{NAME}}` are
 * replaced by the text. References to names that are not parameters are left untouched
 * (shell scripts inside templates rely on that).
 */
const substitute = (text: string, values: Record<string, string>): unknown => {
  const whole = NON_STRING.exec(text)
  if (whole && whole[1]! in values) {
    const raw = values[whole[1]!]!
    try {
      return JSON.parse(raw)
    } catch {
      throw new TemplateError(`\${{${whole[1]}}}: value is not valid JSON: ${raw.slice(0, 40)}`)
    }
  }
  const swap = (match: string, name: string) => (name in values ? values[name]! : match)
  return text.replace(STRING_IN_NON_STRING, swap).replace(STRING, swap)
}

const walk = (node: unknown, values: Record<string, string>): unknown => {
  if (typeof node === 'string') return substitute(node, values)
  if (Array.isArray(node)) return node.map((item) => walk(item, values))
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, values)]),
    )
  return node
}

export type Processed = { objects: K8sObject[]; parameters: Record<string, string> }

/**
 * Does what `oc process` does, offline: resolves parameters, substitutes them into every object
 * and adds the template's `labels` to each object's metadata.labels.
 */
export const processTemplate = (
  input: unknown,
  given: Record<string, string> = {},
  options: ProcessOptions = {},
): Processed => {
  const template = templateSchema.parse(input)
  const parameters = resolveParameters(template, given, options)
  const labels = template.labels && (walk(template.labels, parameters) as Record<string, string>)
  const objects = template.objects.map((raw) => {
    const obj = walk(raw, parameters) as K8sObject
    if (labels) obj.metadata = { ...obj.metadata, labels: { ...labels, ...obj.metadata?.labels } }
    return obj
  })
  return { objects, parameters }
}
