import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { masterEdgeEnvSchema, masterEnvSchema } from '../src/config/master.ts'
import { sandboxEnvSchema } from '../src/config/sandbox.ts'
import { sharedEnvSchema } from '../src/config/shared.ts'
import { tfServingEnvSchema } from '../src/config/tf-serving.ts'
import { workerEnvSchema } from '../src/config/worker.ts'

// The README's configuration tables are the user-facing copy of these schemas; a variable
// added to a schema without documenting it fails here.
const readme = readFileSync(resolve(import.meta.dir, '../../README.md'), 'utf8')
const configuration = readme.slice(
  readme.indexOf('## Configuration'),
  readme.indexOf('## Running one part alone'),
)

const schemas = {
  shared: sharedEnvSchema,
  master: masterEnvSchema,
  'master (edge)': masterEdgeEnvSchema,
  workers: workerEnvSchema,
  'tf-serving': tfServingEnvSchema,
  sandbox: sandboxEnvSchema,
}

for (const [service, schema] of Object.entries(schemas)) {
  test(`every ${service} variable is documented in the README's Configuration section`, () => {
    const keys = Object.keys(schema.shape)
    expect(keys.length).toBeGreaterThan(0)
    const missing = keys.filter((key) => !configuration.includes(`\`${key}\``))
    expect(missing).toEqual([])
  })
}
