// `bun run bench:tf-serving`: figures for tf-serving with the default model (models/default,
// exported by `make models`). Prints, measured side by side in one run:
//   1. in-process predict latency vs HTTP :predict latency at batch 1 → overhead ratio
//   2. throughput (images/s) at concurrency 1, 8, 32 with batching off and on
//   3. throughput with 1 vs N inference workers (and threads vs processes)
// Options: --seconds=N per throughput run (default 8), --workers=N (default: cores).
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { resolve } from 'node:path'
import { silentLogger } from '@tweetbot/common/src/log.ts'
import { freePort } from '@tweetbot/common/src/testing/index.ts'
import { selectBackend } from '../tf-serving/src/inference/backend.ts'
import { createExecutor } from '../tf-serving/src/inference/executor.ts'
import { InferencePool } from '../tf-serving/src/inference/pool.ts'
import { tfjsModelLoader } from '../tf-serving/src/loaders/tfjs.ts'

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const SECONDS = arg('seconds', 8)
const WORKERS = arg('workers', cpus().length)
const root = resolve(import.meta.dir, '..')
const modelBase = resolve(root, 'models/default')
const MAIN = resolve(root, 'tf-serving/src/main.ts')

if (!existsSync(resolve(modelBase, '1/model.json'))) {
  console.info('bench: exporting the default model first (make models)')
  const p = Bun.spawnSync([
    'bun',
    resolve(root, 'tf-serving/scripts/export-default-model.ts'),
    modelBase,
  ])
  if (p.exitCode !== 0) throw new Error('model export failed')
}

// One synthetic 224×224×3 image in [0, 1] with some structure, as a worker would send it.
const pixels = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 7919) % 256) / 255)
const nested = Array.from({ length: 224 }, (_, y) =>
  Array.from({ length: 224 }, (_, x) =>
    Array.from({ length: 3 }, (_, c) => pixels[(y * 224 + x) * 3 + c] as number),
  ),
)
// Encoded once, as a load generator on another machine would cost this server nothing for it.
const body = new TextEncoder().encode(JSON.stringify({ instances: [nested] }))

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

// --- 1a. in-process predict ------------------------------------------------------------
const backend = await selectBackend('auto')
const executor = createExecutor(backend.tf)
const servable = await tfjsModelLoader.load(resolve(modelBase, '1'))
await executor.load('default', servable)
const inProcess = async (n: number) => {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await executor.run(
      'default',
      'serving_default',
      { input_1: { dtype: 'float32', shape: [1, 224, 224, 3], data: pixels.slice() } },
      ['dense_3'],
    )
    times.push(performance.now() - t)
  }
  return times
}
await inProcess(3)

// --- servers -------------------------------------------------------------------------------
interface Server {
  url: string
  stop: () => Promise<void>
}
const startServer = async (flags: string[]): Promise<Server> => {
  const port = await freePort()
  const proc = Bun.spawn(
    [
      'bun',
      MAIN,
      `--rest_api_port=${port}`,
      '--model_name=default',
      `--model_base_path=${modelBase}`,
      ...flags,
    ],
    { stdout: 'ignore', stderr: 'inherit' },
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    )
    if (status === 200) break
    if (i === 300 || proc.exitCode !== null) throw new Error(`tf-serving ${flags} did not start`)
    await Bun.sleep(200)
  }
  return {
    url,
    stop: async () => {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

const predictOnce = async (url: string) => {
  const res = await fetch(`${url}/v1/models/default:predict`, { method: 'POST', body })
  if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${await res.text()}`)
  await res.arrayBuffer()
}

const httpLatency = async (url: string, n: number) => {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await predictOnce(url)
    times.push(performance.now() - t)
  }
  return times
}

/** Completed jobs per second over SECONDS with `concurrency` jobs in flight. */
const rate = async (concurrency: number, job: () => Promise<unknown>) => {
  let done = 0
  let failed = 0
  const start = performance.now()
  const end = start + SECONDS * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          await job()
          done++
        } catch {
          failed++
        }
      }
    }),
  )
  return { rate: done / ((performance.now() - start) / 1000), failed }
}

const throughput = async (url: string, concurrency: number) => {
  await Promise.all(Array.from({ length: Math.min(concurrency, 4) }, () => predictOnce(url)))
  return rate(concurrency, () => predictOnce(url))
}

/** Rows of images/s, each with its ratio to the first. */
const printRates = (rows: [string, number][]) => {
  const one = rows[0]?.[1] ?? 1
  for (const [label, r] of rows)
    console.info(
      `   ${label.padEnd(24)} ${r.toFixed(1).padStart(6)} images/s   ${(r / one).toFixed(2)}×`,
    )
}

console.info(
  `tf-serving bench — backend ${backend.name} (${backend.reason}), ${cpus().length} cores, ${SECONDS}s per run`,
)

// --- 1. overhead ----------------------------------------------------------------------------
{
  const proc = await startServer(['--inference_workers=1', '--inference_worker_mode=process'])
  const thread = await startServer(['--inference_workers=1', '--inference_worker_mode=thread'])
  await httpLatency(proc.url, 3)
  await httpLatency(thread.url, 3)
  // Interleave so all three see the same machine load.
  const a: number[] = []
  const b: number[] = []
  const c: number[] = []
  for (let round = 0; round < 6; round++) {
    a.push(...(await inProcess(4)))
    b.push(...(await httpLatency(proc.url, 4)))
    c.push(...(await httpLatency(thread.url, 4)))
  }
  await proc.stop()
  await thread.stop()
  const ip = median(a)
  const ratio = (xs: number[]) =>
    `${median(xs).toFixed(1)} ms   ratio ${(median(xs) / ip).toFixed(2)}`
  console.info('\n1. latency at batch 1 (median of 24 each, interleaved)')
  console.info(`   in-process predict                 ${ip.toFixed(1)} ms`)
  console.info(`   HTTP :predict, worker process      ${ratio(b)}`)
  console.info(`   HTTP :predict, worker thread       ${ratio(c)}`)
  console.info(`   (JSON body ${(body.length / 1e6).toFixed(2)} MB; target ratio ≤ 1.15)`)
}

// --- 2. throughput, batching off/on -----------------------------------------------------------
const batchingFile = resolve(root, '.data/bench-batching.txt')
await Bun.write(
  batchingFile,
  'max_batch_size { value: 8 }\nbatch_timeout_micros { value: 2000 }\nmax_enqueued_batches { value: 1000 }\n',
)
const table: string[] = []
for (const batching of [false, true]) {
  const s = await startServer([
    `--inference_workers=${WORKERS}`,
    ...(batching ? ['--enable_batching', `--batching_parameters_file=${batchingFile}`] : []),
  ])
  for (const c of [1, 8, 32]) {
    const r = await throughput(s.url, c)
    table.push(
      `   batching ${batching ? 'on ' : 'off'}  concurrency ${String(c).padStart(2)}   ${r.rate.toFixed(1).padStart(6)} images/s${r.failed ? `  (${r.failed} failed)` : ''}`,
    )
  }
  await s.stop()
}
console.info(
  `\n2. throughput with ${WORKERS} inference workers (threads, the default); batching: max_batch_size 8, timeout 2 ms`,
)
for (const line of table) console.info(line)

// --- 3. 1 vs N workers ------------------------------------------------------------------------
{
  const rows: [string, number][] = []
  for (const [label, flags] of [
    ['1 worker', ['--inference_workers=1']],
    [
      `${WORKERS} workers (processes)`,
      [`--inference_workers=${WORKERS}`, '--inference_worker_mode=process'],
    ],
    [
      `${WORKERS} workers (threads)`,
      [`--inference_workers=${WORKERS}`, '--inference_worker_mode=thread'],
    ],
  ] as const) {
    const s = await startServer([...flags])
    rows.push([label, (await throughput(s.url, 8)).rate])
    await s.stop()
  }
  console.info('\n3. workers, concurrency 8, batching off')
  printRates(rows)
  console.info('   (target ≥ 1.7× on 2 cores)')
}
// --- 3b. the pool alone, no HTTP: how inference itself scales over workers ------------------
{
  const rows: [string, number][] = []
  for (const [label, size, mode] of [
    ['pool, 1 worker', 1, 'process'],
    [`pool, ${WORKERS} processes`, WORKERS, 'process'],
    [`pool, ${WORKERS} threads`, WORKERS, 'thread'],
  ] as const) {
    const pool = new InferencePool({ size, mode, logger: silentLogger })
    await pool.start()
    await pool.load('default', servable)
    const job = () =>
      pool.run(
        'default',
        'serving_default',
        { input_1: { dtype: 'float32', shape: [1, 224, 224, 3], data: pixels.slice() } },
        ['dense_3'],
      )
    await Promise.all(Array.from({ length: size * 2 }, job))
    rows.push([label, (await rate(8, job)).rate])
    await pool.close()
  }
  console.info('\n3b. inference pool alone (no HTTP, no JSON), 8 jobs in flight')
  printRates(rows)
}
process.exit(0)
