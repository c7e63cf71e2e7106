import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { type Processed, type ProcessOptions, processTemplate } from './template.ts'

export const TEMPLATE_DIR = join(import.meta.dir, '..', 'templates')

/** Template file names (without .yaml) found in manifests/templates. */
export const templateNames = (): string[] =>
  readdirSync(TEMPLATE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort()

export const readTemplate = (name: string): unknown =>
  parse(readFileSync(join(TEMPLATE_DIR, `${name}.yaml`), 'utf8'))

export const renderTemplate = (
  name: string,
  params: Record<string, string> = {},
  options: ProcessOptions = {},
): Processed => processTemplate(readTemplate(name), params, options)
