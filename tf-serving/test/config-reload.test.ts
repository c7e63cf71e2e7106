// --model_config_file_poll_wait_seconds: models added to or removed from the config file are
// served or retired without a restart.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@tweetbot/common/log'
import { waitFor } from '@tweetbot/testing'
import { FlagError } from '../src/config/flags.ts'
import { startServer } from '../src/server.ts'
import { toyY, writePairModel, writeToyModel } from './support/models.ts'
import { startWithModelConfig, testOptions } from './support/options.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

let root: string
let server: Awaited<ReturnType<typeof startServer>>
const config = (names: string[]) =>
  `model_config_list {\n${names.map((n) => `  config { name: '${n}' base_path: '${n}' }`).join('\n')}\n}\n`

const state = async (model: string) => {
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/${model}`)
  const body = (await res.json()) as { model_version_status?: { state: string }[] }
  return { status: res.status, state: body.model_version_status?.[0]?.state }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-config-'))
  await writeToyModel(join(root, 'toy/1'))
  await writePairModel(join(root, 'pair/1'))
  server = (
    await startWithModelConfig(root, config(['toy']), { modelConfigFilePollWaitSeconds: 1 })
  ).server
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

test('a model added to the config file is served; a removed one is retired', async () => {
  expect(await state('toy')).toEqual({ status: 200, state: 'AVAILABLE' })
  expect((await state('pair')).status).toBe(404)
  await writeFile(join(root, 'models.config'), config(['pair']))
  await waitFor(
    'pair AVAILABLE and toy END',
    async () => (await state('pair')).state === 'AVAILABLE' && (await state('toy')).state === 'END',
  )
  expect(await state('pair')).toEqual({ status: 200, state: 'AVAILABLE' })
  expect(await state('toy')).toEqual({ status: 200, state: 'END' })
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/toy:predict`, {
    method: 'POST',
    body: JSON.stringify({ instances: [[1, 2, 3]] }),
  })
  expect(res.status).toBe(404)
  expect(await res.json()).toEqual({ error: 'Servable not found for request: Latest(toy)' })
})

test('when the newly aspired version fails to load, the newest available version keeps serving', async () => {
  const dir = join(root, 'multi')
  await writeToyModel(join(dir, '1'), 1)
  await writeToyModel(join(dir, '2'), 10)
  await writeToyModel(join(dir, '3'), 100)
  await rm(join(dir, '3', 'weights.bin'))
  const multi = (policy: string) =>
    `model_config_list {\n  config { name: 'multi' base_path: 'multi' model_version_policy { ${policy} } }\n}\n`
  const versions = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/multi`)
    const body = (await res.json()) as {
      model_version_status?: { version: string; state: string }[]
    }
    return Object.fromEntries((body.model_version_status ?? []).map((s) => [s.version, s.state]))
  }
  // Version 1 first and 2 later, as when a newer version is rolled out.
  await writeFile(join(root, 'models.config'), multi('specific { versions: 1 }'))
  await waitFor('version 1 AVAILABLE', async () => (await versions())['1'] === 'AVAILABLE')
  await writeFile(join(root, 'models.config'), multi('specific { versions: 1 versions: 2 }'))
  await waitFor('versions 1 and 2 AVAILABLE', async () => {
    const v = await versions()
    return v['1'] === 'AVAILABLE' && v['2'] === 'AVAILABLE'
  })
  // Latest aspires version 3 only, which cannot load: one of 1 and 2 must stay, and it is 2.
  await writeFile(join(root, 'models.config'), multi('latest { num_versions: 1 }'))
  await waitFor('version 3 failed and 1 retired', async () => {
    const v = await versions()
    return v['3'] === 'END' && v['1'] === 'END'
  })
  expect(await versions()).toEqual({ '1': 'END', '2': 'AVAILABLE', '3': 'END' })
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/models/multi:predict`, {
    method: 'POST',
    body: JSON.stringify({ signature_name: 'y_only', instances: [[1, 0, 0]] }),
  })
  expect(((await res.json()) as { predictions: number[][] }).predictions[0]).toEqual(
    toyY([1, 0, 0], 10),
  )
})

test('a server whose gRPC port is taken stops whole: its config file is not re-read afterwards', async () => {
  const taken = Bun.listen({ hostname: '0.0.0.0', port: 0, socket: { data() {} } })
  const lines: string[] = []
  const logger = createLogger({ service: 'tf-serving', write: (line) => lines.push(line) })
  const file = join(root, 'taken.config')
  await writeFile(file, config(['toy']))
  try {
    const options = { modelConfigFile: file, modelConfigFilePollWaitSeconds: 1 }
    await expect(
      startServer(testOptions({ ...options, grpcPort: taken.port }), logger),
    ).rejects.toThrow(FlagError)
    // A reload timer left running would log this within a second of the file going bad.
    await writeFile(file, 'not a model config')
    await Bun.sleep(2_500)
    expect(lines.filter((l) => l.includes('model config reload failed'))).toEqual([])
  } finally {
    taken.stop(true)
  }
})
