// `bun run bench:tf-serving`: figures for tf-serving with the default model (models/default,
// exported by `make models`). Prints, measured side by side in one run:
//   1. in-process predict latency vs HTTP :predict latency at batch 1 → overhead ratio
//   2. throughput (images/s) at concurrency 1, 8, 32 with batching off and on
//   3. throughput with 1 vs N inference workers (and threads vs processes)
// Throughput runs use wrk (C, Debian package `wrk`) as the load generator, as bench:master
// does: the client shares the 2 cores with the server, and Bun's fetch spends ~1 ms of CPU
// sending each 3 MB body where wrk spends ~0.3 ms, which would be counted against the server.
// Options: --seconds=N per throughput run (default 8), --warmup=N seconds of the same load
// before each (default 4), --workers=N (default: cores), --sections=1,2,3,3b (default: all).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { silentLogger } from '@tweetbot/common/log'
import { freePort } from '@tweetbot/testing'
import { selectBackend } from '../tf-serving/src/inference/backend.ts'
import { createExecutor } from '../tf-serving/src/inference/executor.ts'
import { InferencePool } from '../tf-serving/src/inference/pool.ts'
import { tfjsModelLoader } from '../tf-serving/src/loaders/tfjs.ts'
import { encodePredictBody } from '../workers/src/model/encode-instances.ts'
import { median } from './stats.ts'

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const SECONDS = arg('seconds', 8)
// JSC keeps compiling for a while under a new load (JIT threads measured at ~1.9 ms of CPU per
// image in the first 8 s, ~1.1 ms in the third): throughput is measured once that has settled.
const WARMUP_SECONDS = arg('warmup', 4)
const sectionsArg = process.argv.find((a) => a.startsWith('--sections='))
const SECTIONS = new Set((sectionsArg?.split('=')[1] ?? '1,2,3,3b').split(','))
const WORKERS = arg('workers', cpus().length)
const root = resolve(import.meta.dir, '..')
const modelBase = resolve(root, 'models/default')
const MAIN = resolve(root, 'tf-serving/src/main.ts')

if (!Bun.which('wrk')) {
  console.error('bench:tf-serving needs wrk on PATH (Debian/Ubuntu: apt-get install -y wrk)')
  process.exit(2)
}
if (!existsSync(resolve(modelBase, '1/model.json'))) {
  console.info('bench: exporting the default model first (make models)')
  const p = Bun.spawnSync([
    'bun',
    resolve(root, 'tf-serving/scripts/export-default-model.ts'),
    modelBase,
  ])
  if (p.exitCode !== 0) throw new Error('model export failed')
}

// One synthetic 224×224×3 image with some structure. Bodies are encoded once, as a client on
// another machine would cost this server nothing for it.
const rgb = Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 256)
// What our workers send (workers/src/model/encode-instances.ts): [0, 1] with 4 decimals, ~1 MB.
const body = encodePredictBody(
  rgb,
  { height: 224, width: 224, channels: 3, dtype: 'DT_FLOAT', signature: 'serving_default' },
  '0,1',
).slice()
// The same image as a client printing full precision (JSON.stringify of v / 255) sends it, ~3 MB.
const fullPrecisionBody = new TextEncoder().encode(
  JSON.stringify({
    instances: [
      Array.from({ length: 224 }, (_, y) =>
        Array.from({ length: 224 }, (_, x) =>
          Array.from({ length: 3 }, (_, c) => (rgb[(y * 224 + x) * 3 + c] as number) / 255),
        ),
      ),
    ],
  }),
)
// The in-process run gets the values the worker body carries.
const pixels = Float32Array.from(rgb, (v) => Number((v / 255).toFixed(4)))

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

const predictOnce = async (url: string, payload: Uint8Array<ArrayBuffer> = body) => {
  const res = await fetch(`${url}/v1/models/default:predict`, { method: 'POST', body: payload })
  if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${await res.text()}`)
  await res.arrayBuffer()
}

const httpLatency = async (url: string, n: number, payload: Uint8Array<ArrayBuffer> = body) => {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await predictOnce(url, payload)
    times.push(performance.now() - t)
  }
  return times
}

/** Completed jobs per second over `seconds` with `concurrency` jobs in flight. */
const rate = async (concurrency: number, job: () => Promise<unknown>, seconds = SECONDS) => {
  let done = 0
  let failed = 0
  const start = performance.now()
  const end = start + seconds * 1000
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

const wrkDir = mkdtempSync(resolve(tmpdir(), 'bench-tf-serving-'))
process.on('exit', () => rmSync(wrkDir, { recursive: true, force: true }))
writeFileSync(resolve(wrkDir, 'body.json'), body)
const WRK_LUA = `
wrk.method = "POST"
local f = assert(io.open("${resolve(wrkDir, 'body.json')}", "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
function done(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"failed":%d}\\n',
    s.requests, s.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
`
writeFileSync(resolve(wrkDir, 'predict.lua'), WRK_LUA)

/** Images/s from wrk holding `concurrency` requests in flight for `seconds`. */
const wrkRate = async (url: string, concurrency: number, seconds: number) => {
  const proc = Bun.spawn(
    [
      'wrk',
      '-t1',
      `-c${concurrency}`,
      `-d${seconds}s`,
      '--timeout',
      '60s',
      '-s',
      resolve(wrkDir, 'predict.lua'),
      `${url}/v1/models/default:predict`,
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  )
  const out = await new Response(proc.stdout).text()
  await proc.exited
  const line = out.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`wrk printed no result:\n${out}`)
  const r = JSON.parse(line.slice(7)) as { requests: number; durationUs: number; failed: number }
  return { rate: r.requests / (r.durationUs / 1e6), failed: r.failed }
}

const throughput = async (url: string, concurrency: number) => {
  await wrkRate(url, concurrency, WARMUP_SECONDS)
  return wrkRate(url, concurrency, SECONDS)
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
  `tf-serving bench — backend ${backend.name} (${backend.reason}), ${cpus().length} cores, ${SECONDS}s per run after ${WARMUP_SECONDS}s of warm-up`,
)

// --- 1. overhead ----------------------------------------------------------------------------
if (SECTIONS.has('1')) {
  const proc = await startServer(['--inference_workers=1', '--inference_worker_mode=process'])
  const thread = await startServer(['--inference_workers=1', '--inference_worker_mode=thread'])
  await httpLatency(proc.url, 3)
  await httpLatency(thread.url, 3)
  await httpLatency(thread.url, 3, fullPrecisionBody)
  // Interleave so all of them see the same machine load.
  const a: number[] = []
  const b: number[] = []
  const c: number[] = []
  const d: number[] = []
  for (let round = 0; round < 6; round++) {
    a.push(...(await inProcess(4)))
    b.push(...(await httpLatency(thread.url, 4)))
    c.push(...(await httpLatency(proc.url, 4)))
    d.push(...(await httpLatency(thread.url, 4, fullPrecisionBody)))
  }
  await proc.stop()
  await thread.stop()
  const ip = median(a)
  const row = (label: string, ms: number, ratio?: number) =>
    console.info(
      `   ${label.padEnd(52)} ${ms.toFixed(1).padStart(5)} ms${ratio ? `   ratio ${ratio.toFixed(2)}` : ''}`,
    )
  const http = (label: string, xs: number[]) => row(label, median(xs), median(xs) / ip)
  const mb = (u: Uint8Array) => `${(u.length / 1e6).toFixed(2)} MB`
  console.info('\n1. latency at batch 1 (median of 24 each, interleaved; target ratio ≤ 1.15)')
  row('in-process predict', ip)
  http(`HTTP :predict, worker thread, worker body ${mb(body)}`, b)
  http(`HTTP :predict, worker process, worker body ${mb(body)}`, c)
  http(`HTTP :predict, worker thread, full precision ${mb(fullPrecisionBody)}`, d)
}

// --- 2. throughput, batching off/on -----------------------------------------------------------
if (SECTIONS.has('2')) {
  const batchingFile = resolve(wrkDir, 'batching.txt')
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
}
// --- 3. 1 vs N workers ------------------------------------------------------------------------
if (SECTIONS.has('3')) {
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
if (SECTIONS.has('3b')) {
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
    await rate(8, job, WARMUP_SECONDS)
    rows.push([label, (await rate(8, job)).rate])
    await pool.close()
  }
  console.info('\n3b. inference pool alone (no HTTP, no JSON), 8 jobs in flight')
  printRates(rows)
}
process.exit(0)
