import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readTemplate, templateNames } from '../src/load.ts'
import { findSchemas } from '../src/service-schemas.ts'
import { templateSchema } from '../src/template.ts'

const ROOT = join(import.meta.dir, '..', '..')

/** OC_SETTINGS as make sees it (oc.mk is the list of what the targets read from .env). */
const ocSettings = () => {
  const res = Bun.spawnSync(
    [
      'make',
      '--no-print-directory',
      '-s',
      '--eval',
      'print-oc-settings: ; @echo $(OC_SETTINGS)',
      'print-oc-settings',
      'ENV_FILE=/dev/null',
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  )
  return res.stdout.toString().trim().split(/\s+/)
}

/** Names in .env.example, set or commented out (`# NAME=value`). */
const exampleNames = () =>
  readFileSync(join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = /^#?\s?([A-Z][A-Z0-9_]*)=/.exec(line)
      return m ? [m[1]!] : []
    })

/** Parameters the make targets set themselves, not settings. */
const SET_BY_MAKE = new Set(['WORKER_QUEUE'])

describe('.env.example lists every setting', () => {
  const settings = ocSettings()
  const example = new Set(exampleNames())

  test('every template parameter is a setting oc.mk passes on', () => {
    for (const name of templateNames()) {
      const t = templateSchema.parse(readTemplate(name))
      for (const p of t.parameters)
        if (!SET_BY_MAKE.has(p.name))
          expect(`${name}: ${p.name} ${settings.includes(p.name)}`).toBe(`${name}: ${p.name} true`)
    }
  })

  test('every setting oc.mk reads is in .env.example', () => {
    expect(settings.length).toBeGreaterThan(30)
    for (const s of settings) expect(`${s} ${example.has(s)}`).toBe(`${s} true`)
  })

  test('.env.example names nothing that no target or service reads', async () => {
    const schemaKeys = new Set((await findSchemas()).flatMap((f) => Object.keys(f.schema.shape)))
    for (const name of example)
      expect(`${name} ${settings.includes(name) || schemaKeys.has(name)}`).toBe(`${name} true`)
  })
})
