// Runs the conformance table (./cases.ts) against the real tf-serving process: TF Serving's own
// test model `half_plus_two` (tf-serving/test/fixtures/savedmodels) and our writer's
// `half_plus_three`, served from a model config file; a second process has CORS support on.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJsonBody } from '../../src/rest/json-parse.ts'
import { FIXTURES, removeDir, tempDir } from '../savedmodel/helpers.ts'
import { attr, node } from '../support/savedmodel-writer/graph-builder.ts'
import { halfPlusThreeModel } from '../support/savedmodel-writer/half-plus-three.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { type ServerProcess, spawnServer } from '../support/server.ts'
import { CASES, type ConformanceCase } from './cases.ts'

let dir = ''
const servers: Partial<Record<'default' | 'cors', ServerProcess>> = {}

beforeAll(async () => {
  dir = await tempDir('conformance')
  await mkdir(join(dir, 'half_plus_three'), { recursive: true })
  await writeSavedModel(join(dir, 'half_plus_three', '00000123'), halfPlusThreeModel())
  // An int32 input, for the integer rules (y = x).
  await writeSavedModel(join(dir, 'int_identity', '1'), {
    nodes: [
      node('x', 'Placeholder', [], { dtype: attr.type('DT_INT32') }),
      node('y', 'Identity', ['x'], { T: attr.type('DT_INT32') }),
    ],
    signatures: {
      serving_default: {
        methodName: 'tensorflow/serving/predict',
        inputs: { x: { name: 'x:0', dtype: 'DT_INT32', shape: [-1] } },
        outputs: { y: { name: 'y:0', dtype: 'DT_INT32', shape: [-1] } },
      },
    },
  })
  const config = [
    'model_config_list {',
    `  config { name: 'half_plus_two' base_path: '${join(FIXTURES, 'half_plus_two')}' model_platform: 'tensorflow'`,
    "    version_labels { key: 'stable' value: 123 } }",
    `  config { name: 'half_plus_three' base_path: '${join(dir, 'half_plus_three')}' model_platform: 'tensorflow' }`,
    `  config { name: 'int_identity' base_path: '${join(dir, 'int_identity')}' model_platform: 'tensorflow' }`,
    '}',
  ].join('\n')
  const configFile = join(dir, 'models.config')
  await writeFile(configFile, config)
  const [plain, cors] = await Promise.all([
    spawnServer([`--model_config_file=${configFile}`]),
    spawnServer([`--model_config_file=${configFile}`, '--rest_api_enable_cors_support']),
  ])
  servers.default = plain
  servers.cors = cors
}, 120_000)

afterAll(async () => {
  await Promise.all([servers.default?.stop(), servers.cors?.stop()])
  await removeDir(dir)
})

const run = async (c: ConformanceCase) => {
  const server = servers[c.server ?? 'default'] as ServerProcess
  const res = await fetch(`${server.url}${c.path}`, {
    method: c.method,
    headers: c.requestHeaders,
    ...(c.send !== undefined ? { body: c.send } : {}),
  })
  return { res, text: await res.text() }
}

describe('TF Serving REST conformance', () => {
  test.each(CASES.map((c) => [`${c.name} [${c.source}]`, c] as const))('%s', async (_, c) => {
    const { res, text } = await run(c)
    const seen = { status: res.status, text }
    expect(seen.status, text).toBe(c.status)
    if (c.exact !== undefined) expect(text).toBe(c.exact)
    if (c.json !== undefined) expect(parseJsonBody(text)).toEqual(c.json)
    if (c.error !== undefined || c.errorContains !== undefined) {
      const body = parseJsonBody(text) as { error?: unknown }
      // MakeJsonFromStatus writes the one key.
      expect(Object.keys(body)).toEqual(['error'])
      expect(typeof body.error).toBe('string')
      if (c.error !== undefined) expect(body.error).toBe(c.error)
      if (c.errorContains !== undefined) expect(String(body.error)).toContain(c.errorContains)
    }
    for (const [name, value] of Object.entries(c.headers ?? {}))
      expect(res.headers.get(name)).toBe(value)
    for (const name of c.noHeaders ?? []) expect(res.headers.get(name)).toBeNull()
  })

  test('every row cites its source', () => {
    for (const c of CASES) expect(c.source).toMatch(/\.(cc|h|py)(:\d|\b)/)
  })
})
