/**
 * Offline `oc process`: renders a template of manifests/templates to YAML on stdout.
 *   bun manifests/src/cli.ts <template|file.yaml> [-p NAME=VALUE]... [--param-file FILE]
 *     [--ignore-unknown-parameters]
 * Used by make oc_render and to preview what oc_deploy_* applies; oc.mk itself calls
 * `oc process --local`, which this mirrors.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { stringify } from 'yaml'
import { renderTemplate } from './load.ts'
import { TemplateError } from './template.ts'

const parseParamLines = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#') && line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )

const main = (argv: string[]) => {
  const [first, ...rest] = argv
  // A template name (redis) or its file (manifests/templates/redis.yaml, as oc process -f takes).
  const name = first?.endsWith('.yaml') ? basename(first, '.yaml') : first
  if (!name || name.startsWith('-')) {
    console.error(
      'usage: bun manifests/src/cli.ts <template> [-p NAME=VALUE]... [--param-file FILE]',
    )
    return 2
  }
  let params: Record<string, string> = {}
  let ignoreUnknownParameters = false
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '-p' || arg === '--param')
      params = { ...params, ...parseParamLines(rest[++i] ?? '') }
    else if (arg.startsWith('--param-file='))
      params = { ...params, ...parseParamLines(readFileSync(arg.slice(13), 'utf8')) }
    else if (arg === '--param-file')
      params = { ...params, ...parseParamLines(readFileSync(rest[++i] ?? '', 'utf8')) }
    else if (arg === '--ignore-unknown-parameters') ignoreUnknownParameters = true
    else {
      console.error(`unknown argument ${arg}`)
      return 2
    }
  }
  try {
    const { objects } = renderTemplate(name, params, { ignoreUnknownParameters })
    process.stdout.write(stringify({ apiVersion: 'v1', kind: 'List', items: objects }))
    return 0
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err
    console.error(`error: ${err.message}`)
    return 1
  }
}

process.exitCode = main(process.argv.slice(2))
