// A model loaded while a worker is being replaced reaches the replacement. Before, load() sent
// only to the workers in service and registered the model when they had all loaded it; a
// replacement that finished its own loading in between went live without the model, and every
// run of it on that worker failed.
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLogger } from '@tweetbot/common/log'
import { waitFor } from '@tweetbot/testing'
import { InferencePool } from '../src/inference/pool.ts'
import { tfjsModelLoader } from '../src/loaders/tfjs.ts'
import { toyY, writeToyModel } from './support/models.ts'

// Real workers on a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(120_000)

const DEFAULT_MODEL = resolve(import.meta.dir, '../../models/default/1')
const STAND_IN = join(import.meta.dir, 'support/stand-in-native.ts')
const logs: { msg: string }[] = []
const logger = createLogger({
  service: 'test',
  write: (line) => logs.push(JSON.parse(line) as { msg: string }),
})
// A 1-byte heap bound: the first run's answer starts a replacement of the worker that ran it.
const pool = new InferencePool({
  size: 1,
  mode: 'thread',
  logger,
  env: { TFJS_BACKEND: 'wasm' },
  maxHeapBytes: 1,
})
let root = ''
afterAll(async () => {
  await pool.close()
  await rm(root, { recursive: true, force: true })
})

const toyRunOn = (on: InferencePool, key: string, x = [1, 0, 0]) =>
  on.run(key, 'y_only', { x: { dtype: 'float32', shape: [1, 3], data: new Float32Array(x) } }, [
    'y',
  ])
const cpuPool = (size: number, mode: 'thread' | 'process') =>
  new InferencePool({ size, mode, logger, env: { TFJS_BACKEND: 'cpu' } })
const toyRun = (key: string) => toyRunOn(pool, key)

test('a model loaded during a heap replacement is served by the replacement', async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-load-race-'))
  await writeToyModel(join(root, 'toy'))
  const toy = await tfjsModelLoader.load(join(root, 'toy'))
  const image = await tfjsModelLoader.load(DEFAULT_MODEL)
  await pool.start()
  await pool.load('image', image)
  await pool.load('toy', toy)

  await toyRun('toy') // its answer starts the replacement
  // The old worker stays in service until the new one has loaded everything: keep it busy
  // with a long batch, so the load below waits behind it while the new one comes up.
  const busy = pool.run(
    'image',
    'serving_default',
    {
      input_1: {
        dtype: 'float32',
        shape: [24, 224, 224, 3],
        data: new Float32Array(24 * 224 * 224 * 3).fill(0.5),
      },
    },
    ['dense_3'],
  )
  await pool.load('toy-2', toy)
  await busy
  await waitFor('the worker replaced', () =>
    logs.some((l) => l.msg === 'inference worker replaced'),
  )
  // The old worker answered the load after the swap; it must still end, not linger with its heap.
  await waitFor('the old worker retired', () =>
    logs.some((l) => l.msg === 'inference worker retired'),
  )

  const y = await toyRun('toy-2')
  expect(Array.from(y.y?.data as Float32Array)).toEqual(toyY([1, 0, 0]))
})

test('a model loaded while the workers start is in each of them before they take runs', async () => {
  const starting = cpuPool(2, 'thread')
  try {
    const started = starting.start()
    await starting.load('toy', await tfjsModelLoader.load(join(root, 'toy')))
    await started
    const runs = await Promise.all([0, 1, 2, 3].map(() => toyRunOn(starting, 'toy', [0, 1, 0])))
    for (const r of runs) expect(Array.from(r.y?.data as Float32Array)).toEqual(toyY([0, 1, 0]))
  } finally {
    await starting.close()
  }
})

// unload() reaches live workers only. Both windows are hit on cue, not by timing: at the exit
// log line (the slot's worker is dead and its replacement not spawned yet: unload must not wait
// on the dead one) and at the replacement's answer to a load (it holds the model but is not
// live: it must drop it before it takes runs). The stand-in native backend cross-checks every
// load, and its report, handed to onCrossCheck just before the answer, is the cue.
test('unload while a worker is down resolves, and its replacement does not get the model', async () => {
  let down = false
  const unloads: Promise<void>[] = []
  const restarting: InferencePool = new InferencePool({
    size: 1,
    mode: 'process',
    logger: createLogger({
      service: 'test',
      write: (line) => {
        const entry = JSON.parse(line) as { msg: string }
        logs.push(entry)
        if (entry.msg === 'inference worker exited; restarting it')
          unloads.push(restarting.unload('toy-2'))
      },
    }),
    env: { TFJS_BACKEND: 'tensorflow', TFJS_NATIVE_MODULE: STAND_IN, STAND_IN_NATIVE: 'agree' },
    onCrossCheck: (report) => {
      if (down && report.model === 'toy-3') unloads.push(restarting.unload('toy-3'))
    },
  })
  try {
    await restarting.start()
    const toy = await tfjsModelLoader.load(join(root, 'toy'))
    for (const key of ['toy', 'toy-2', 'toy-3']) await restarting.load(key, toy)
    const child = Bun.spawnSync(['pgrep', '-P', String(process.pid), '-f', 'worker-entry'])
    const pids = child.stdout.toString().split('\n').filter(Boolean).map(Number)
    // Its one worker (an empty list would kill nothing, and Number('') = 0 the process group).
    expect(pids).toHaveLength(1)
    const restarted = logs.filter((l) => l.msg === 'inference worker restarted').length
    down = true
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    await waitFor(
      'the worker restarted',
      () => logs.filter((l) => l.msg === 'inference worker restarted').length > restarted,
    )
    expect(unloads).toHaveLength(2)
    await Promise.all(unloads)
    expect(Array.from((await toyRunOn(restarting, 'toy')).y?.data as Float32Array)).toEqual(
      toyY([1, 0, 0]),
    )
    await expect(toyRunOn(restarting, 'toy-2')).rejects.toThrow('servable toy-2 is not loaded')
    await expect(toyRunOn(restarting, 'toy-3')).rejects.toThrow('servable toy-3 is not loaded')
  } finally {
    await restarting.close()
  }
})
