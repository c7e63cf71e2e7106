// `bun run bench:tf-serving`: figures for tf-serving with the default model (models/default,
// exported by `make models`). Prints, measured side by side in one run:
//   1. in-process predict latency vs HTTP :predict latency at batch 1 → overhead ratio
//   2. throughput (images/s) at concurrency 1, 8, 32 with batching off and on
//   3. throughput with 1 vs N inference workers (and threads vs processes)
//   g. gRPC beside REST: latency at batch 1 vs in-process, images/s at c=8 and tf-serving CPU per
//      image for each (gRPC load from bench/grpc-load.ts in its own process)
// Throughput runs use wrk (C, Debian package `wrk`) as the load generator, as bench:master
// does: the client shares the 2 cores with the server, and Bun's fetch spends ~1 ms of CPU
// sending each 3 MB body where wrk spends ~0.3 ms, which would be counted against the server.
// Options: --seconds=N per throughput run (default 8), --warmup=N seconds of the same load
// before each (default 4), --workers=N (default: cores), --sections=1,2,3,3b,g (default: all).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { resolve } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { protoType } from '@tweetbot/common/grpc'
import { silentLogger } from '@tweetbot/common/log'
import { freePort, waitFor } from '@tweetbot/testing'
import { decodeTensorProto, type TensorProtoIn } from '../tf-serving/src/grpc/tensor-proto.ts'
import { selectBackend } from '../tf-serving/src/inference/backend.ts'
import { createExecutor } from '../tf-serving/src/inference/executor.ts'
import { InferencePool } from '../tf-serving/src/inference/pool.ts'
import { tfjsModelLoader } from '../tf-serving/src/loaders/tfjs.ts'
import { scanPredictBody } from '../tf-serving/src/rest/scan-predict.ts'
import { servePool } from '../tf-serving/test/support/pool.ts'
import { encodePredictBody } from '../workers/src/model/encode-instances.ts'
import { encodeImageTensor } from '../workers/src/model/grpc-model-client.ts'
import { runLoadGenerator } from './load-generator.ts'
import { cpuSeconds } from './proc-status.ts'
import { keepBusy, median } from './stats.ts'

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const SECONDS = arg('seconds', 8)
// JSC keeps compiling for a while under a new load (JIT threads measured at ~1.9 ms of CPU per
// image in the first 8 s, ~1.1 ms in the third): throughput is measured once that has settled.
const WARMUP_SECONDS = arg('warmup', 4)
const sectionsArg = process.argv.find((a) => a.startsWith('--sections='))
const SECTIONS = new Set((sectionsArg?.split('=')[1] ?? '1,2,3,3b,g').split(','))
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
  pid: number
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
      // gRPC only where a section asks for it (--port=N): two servers may run at once.
      ...(flags.some((f) => f.startsWith('--port=')) ? [] : ['--port=0']),
      ...flags,
    ],
    { stdout: 'ignore', stderr: 'inherit' },
  )
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    `tf-serving ${flags} to start`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`tf-serving ${flags} exited ${proc.exitCode}`)
      return fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
    },
    60_000,
  )
  return {
    url,
    pid: proc.pid,
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
  const run = await keepBusy(concurrency, seconds, job)
  return { rate: run.done / run.seconds, failed: run.failed }
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
  const { result: r, cpuMs } = await runLoadGenerator<{
    requests: number
    durationUs: number
    failed: number
  }>('wrk', [
    'wrk',
    '-t1',
    `-c${concurrency}`,
    `-d${seconds}s`,
    '--timeout',
    '60s',
    '-s',
    resolve(wrkDir, 'predict.lua'),
    `${url}/v1/models/default:predict`,
  ])
  return {
    rate: r.requests / (r.durationUs / 1e6),
    failed: r.failed,
    /** The load generator's own CPU per request, in ms (it shares the cores with the server). */
    clientCpuMs: cpuMs / Math.max(1, r.requests),
  }
}

const throughput = async (url: string, concurrency: number) => {
  await wrkRate(url, concurrency, WARMUP_SECONDS)
  return wrkRate(url, concurrency, SECONDS)
}

/**
 * Runs every measurement in turn, `rounds` times over, so all of them see the same machine load
 * (one after the other would give the later ones a warmer JIT and a different neighbour load).
 */
const interleaved = async <K extends string>(
  rounds: number,
  measure: Record<K, () => Promise<number[]>>,
): Promise<Record<K, number[]>> => {
  const names = Object.keys(measure) as K[]
  const samples = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < rounds; round++)
    for (const k of names) samples[k].push(...(await measure[k]()))
  return samples
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
  const ms = await interleaved(6, {
    inProcess: () => inProcess(4),
    thread: () => httpLatency(thread.url, 4),
    process: () => httpLatency(proc.url, 4),
    fullPrecision: () => httpLatency(thread.url, 4, fullPrecisionBody),
  })
  await proc.stop()
  await thread.stop()
  const ip = median(ms.inProcess)
  const row = (label: string, ms: number, ratio?: number) =>
    console.info(
      `   ${label.padEnd(52)} ${ms.toFixed(1).padStart(5)} ms${ratio ? `   ratio ${ratio.toFixed(2)}` : ''}`,
    )
  const http = (label: string, xs: number[]) => row(label, median(xs), median(xs) / ip)
  const mb = (u: Uint8Array) => `${(u.length / 1e6).toFixed(2)} MB`
  console.info('\n1. latency at batch 1 (median of 24 each, interleaved; target ratio ≤ 1.15)')
  row('in-process predict', ip)
  http(`HTTP :predict, worker thread, worker body ${mb(body)}`, ms.thread)
  http(`HTTP :predict, worker process, worker body ${mb(body)}`, ms.process)
  http(`HTTP :predict, worker thread, full precision ${mb(fullPrecisionBody)}`, ms.fullPrecision)
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
    const job = await servePool(pool, 'default', servable, {
      signature: 'serving_default',
      inputs: () => ({
        input_1: { dtype: 'float32', shape: [1, 224, 224, 3], data: pixels.slice() },
      }),
      outputs: ['dense_3'],
    })
    await rate(8, job, WARMUP_SECONDS)
    rows.push([label, (await rate(8, job)).rate])
    await pool.close()
  }
  console.info('\n3b. inference pool alone (no HTTP, no JSON), 8 jobs in flight')
  printRates(rows)
}
// --- g. gRPC beside REST ------------------------------------------------------------------------
if (SECTIONS.has('g')) {
  const input = {
    height: 224,
    width: 224,
    channels: 3,
    dtype: 'DT_FLOAT',
    signature: 'serving_default',
    alias: 'input_1',
  }
  // What the workers send over gRPC for the same preprocessed image: float32 tensor_content.
  // A Buffer made once: neither the latency nor the decode figures include copying it.
  const request = Buffer.from(
    protoType('tensorflow.serving.PredictRequest')
      .encode({
        model_spec: { name: 'default', signature_name: 'serving_default' },
        inputs: { input_1: encodeImageTensor(rgb, input, '0,1') },
      })
      .finish(),
  )
  const requestFile = resolve(wrkDir, 'predict-request.bin')
  writeFileSync(requestFile, request)
  const grpcAt = async (port: number) => {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    })
    const once = () =>
      new Promise<void>((ok, fail) =>
        client.makeUnaryRequest(
          '/tensorflow.serving.PredictionService/Predict',
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          (err) => (err ? fail(err) : ok()),
        ),
      )
    const latency = async (n: number) => {
      const times: number[] = []
      for (let i = 0; i < n; i++) {
        const t = performance.now()
        await once()
        times.push(performance.now() - t)
      }
      return times
    }
    return { latency, close: () => client.close() }
  }
  const grpcLoad = async (port: number, concurrency: number, seconds: number) => {
    const { result: r, cpuMs } = await runLoadGenerator<{
      requests: number
      seconds: number
      failed: number
    }>('grpc-load', [
      'bun',
      resolve(import.meta.dir, 'grpc-load.ts'),
      `127.0.0.1:${port}`,
      String(concurrency),
      String(seconds),
      requestFile,
    ])
    return {
      rate: r.requests / r.seconds,
      requests: r.requests,
      failed: r.failed,
      clientCpuMs: cpuMs / Math.max(1, r.requests),
    }
  }

  // Latency at batch 1: one worker thread, interleaved with in-process and REST runs.
  const lp = await freePort()
  const one = await startServer(['--inference_workers=1', `--port=${lp}`])
  const g1 = await grpcAt(lp)
  await g1.latency(3)
  await httpLatency(one.url, 3)
  const { ip, rest, rpc } = await interleaved(6, {
    ip: () => inProcess(4),
    rest: () => httpLatency(one.url, 4),
    rpc: () => g1.latency(4),
  })
  g1.close()
  await one.stop()
  // In-process CPU per image (this thread runs the model).
  const cpu0 = process.cpuUsage()
  const n0 = 16
  await inProcess(n0)
  const cpu1 = process.cpuUsage(cpu0)
  const inProcessCpuMs = (cpu1.user + cpu1.system) / 1000 / n0

  // Where a request's own cost goes before the model runs: reading the body into a tensor.
  const parseCost = (fn: () => unknown) => {
    for (let i = 0; i < 3; i++) fn()
    const xs: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      fn()
      xs.push(performance.now() - t)
    }
    return median(xs)
  }
  const restParseMs = parseCost(() => scanPredictBody(body))
  const requestType = protoType('tensorflow.serving.PredictRequest')
  const inputSpec = { name: 'input_1', dtype: 'DT_FLOAT' as const, shape: [-1, 224, 224, 3] }
  const grpcParseMs = parseCost(() => {
    const r = requestType.decode(request) as unknown as {
      inputs: Record<string, TensorProtoIn>
    }
    decodeTensorProto(r.inputs.input_1 as TensorProtoIn, inputSpec, 'input_1', 0)
  })

  // Throughput and server CPU per image at c=8, default workers: REST and gRPC runs alternate
  // (3 each) so both see the same machine load; each after one warm-up run of its own.
  const tp = await freePort()
  const many = await startServer([`--inference_workers=${WORKERS}`, `--port=${tp}`])
  const loads = {
    'REST (wrk)': (secs: number) => wrkRate(many.url, 8, secs),
    'gRPC (grpc-load)': (secs: number) => grpcLoad(tp, 8, secs),
  }
  const totals = new Map<
    string,
    { images: number; seconds: number; cpu: number; failed: number; clientCpu: number }
  >()
  for (const load of Object.values(loads)) await load(WARMUP_SECONDS)
  for (let round = 0; round < 3; round++)
    for (const [label, load] of Object.entries(loads)) {
      const before = cpuSeconds(many.pid)
      const t0 = performance.now()
      const r = await load(SECONDS)
      const seconds = (performance.now() - t0) / 1000
      const t = totals.get(label) ?? { images: 0, seconds: 0, cpu: 0, failed: 0, clientCpu: 0 }
      t.clientCpu += r.clientCpuMs * r.rate * seconds
      t.images += r.rate * seconds
      t.seconds += seconds
      t.cpu += cpuSeconds(many.pid) - before
      t.failed += r.failed
      totals.set(label, t)
    }
  await many.stop()
  const runs = [...totals].map(([label, t]) => ({
    label,
    rate: t.images / t.seconds,
    failed: t.failed,
    cpuMs: t.images > 0 ? (t.cpu * 1000) / t.images : Number.NaN,
    clientCpuMs: t.images > 0 ? t.clientCpu / t.images : Number.NaN,
  }))

  const med = median(ip)
  const line = (label: string, xs: number[]) =>
    console.info(
      `   ${label.padEnd(44)} ${median(xs).toFixed(1).padStart(5)} ms   ratio ${(median(xs) / med).toFixed(2)}`,
    )
  console.info(
    `\ng. gRPC beside REST (worker's image: REST body ${(body.length / 1e6).toFixed(2)} MB JSON, gRPC request ${(request.length / 1e6).toFixed(2)} MB float32 tensor_content)`,
  )
  console.info(
    '   latency at batch 1, 1 worker thread (median of 24, interleaved; gRPC target ≤ 1.05)',
  )
  console.info(`   ${'in-process predict'.padEnd(44)} ${med.toFixed(1).padStart(5)} ms`)
  line('REST :predict', rest)
  line('gRPC Predict', rpc)
  console.info(
    `   reading the request into a tensor: REST JSON scan ${restParseMs.toFixed(2)} ms, gRPC protobuf decode + copy ${grpcParseMs.toFixed(2)} ms`,
  )
  console.info(
    `   concurrency 8, ${WORKERS} inference workers (threads), 3 alternating ${SECONDS}s runs each`,
  )
  for (const r of runs)
    console.info(
      `   ${r.label.padEnd(18)} ${r.rate.toFixed(1).padStart(6)} images/s   tf-serving CPU ${r.cpuMs.toFixed(1).padStart(5)} ms/image   load generator CPU ${r.clientCpuMs.toFixed(1).padStart(4)} ms/image${r.failed ? `  (${r.failed} failed)` : ''}`,
    )
  console.info(
    `   ${'in-process'.padEnd(18)} ${''.padStart(6)}            CPU ${inProcessCpuMs.toFixed(1).padStart(5)} ms/image (predict alone)`,
  )
}
process.exit(0)
