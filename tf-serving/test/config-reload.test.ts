// --model_config_file_poll_wait_seconds: models added to or removed from the config file are
// served or retired without a restart.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '@tweetbot/common/src/log.ts'
import { waitFor } from '@tweetbot/common/src/testing/index.ts'
import { startServer } from '../src/server.ts'
import { writePairModel, writeToyModel } from './support/models.ts'
import { testOptions } from './support/options.ts'

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
  await writeFile(join(root, 'models.config'), config(['toy']))
  server = await startServer(
    testOptions({
      modelConfigFile: join(root, 'models.config'),
      modelConfigFilePollWaitSeconds: 1,
    }),
    silentLogger,
  )
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
