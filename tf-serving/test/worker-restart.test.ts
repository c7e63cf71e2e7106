// A worker whose replacement cannot start (here: a backend name it refuses) is retried with
// growing delays until it can: before, a thread worker's slot stayed out of service for good
// and a process worker was respawned in a tight loop.
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@tweetbot/common/log'
import { waitFor } from '@tweetbot/testing'
import { InferencePool } from '../src/inference/pool.ts'
import { tfjsModelLoader } from '../src/loaders/tfjs.ts'
import { toyY, writeToyModel } from './support/models.ts'
import { servePool } from './support/pool.ts'

// Real worker processes on a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

const logs: { msg: string; inMs?: number }[] = []
const logger = createLogger({
  service: 'test',
  write: (line) => logs.push(JSON.parse(line) as { msg: string; inMs?: number }),
})
const env: Record<string, string> = { TFJS_BACKEND: 'cpu' }
const pool = new InferencePool({ size: 1, mode: 'process', logger, env })
let root = ''
afterAll(async () => {
  await pool.close()
  await rm(root, { recursive: true, force: true })
})

const childPid = () =>
  Number(
    Bun.spawnSync(['pgrep', '-P', String(process.pid), '-f', 'worker-entry']).stdout.toString(),
  )

test('a replacement that fails to start is retried with growing delays until one starts', async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-restart-'))
  await writeToyModel(join(root, '1'))
  const servable = await tfjsModelLoader.load(join(root, '1'))
  const run = await servePool(pool, 'toy', servable, {
    signature: 'y_only',
    inputs: () => ({ x: { dtype: 'float32', shape: [1, 3], data: new Float32Array([1, 0, 0]) } }),
    outputs: ['y'],
  })
  expect(Array.from((await run()).y?.data as Float32Array)).toEqual(toyY([1, 0, 0]))

  env.TFJS_BACKEND = 'no-such-backend'
  const pid = childPid()
  // Its worker: an empty pgrep answer would be pid 0, the whole process group.
  expect(pid).toBeGreaterThan(0)
  process.kill(pid, 'SIGKILL')
  const exits = () =>
    logs.filter((l) => l.msg === 'inference worker exited; restarting it').map((l) => l.inMs)
  await waitFor('two failed restarts and their exits', () => exits().length >= 3)
  expect(logs.filter((l) => l.msg === 'inference worker restart failed').length).toBeGreaterThan(1)
  // The delays grow: the worker that was serving is replaced at once, the failed ones later.
  const delays = exits()
  expect(delays.slice(0, 3)).toEqual([0, 1000, 2000])

  env.TFJS_BACKEND = 'cpu'
  await waitFor('the worker restarted', () =>
    logs.some((l) => l.msg === 'inference worker restarted'),
  )
  expect(Array.from((await run()).y?.data as Float32Array)).toEqual(toyY([1, 0, 0]))
})
