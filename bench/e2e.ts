// `bun run bench:e2e [N]`: N signed DM events with photos through the whole stack (real
// processes: redis-server, tf-serving with the default model, master, both workers) in
// load-testing mode, and, in the same run, tf-serving's own :predict throughput at the same
// concurrency. Prints events/s, webhook-to-reply latency p50/p99, peak RSS per process, ratio,
// and CPU per event per process — once with the workers on REST and once on gRPC
// (TF_SERVER_URL=grpc://…), each on a fresh stack.
//
// Env: BENCH_EVENTS (default 300), CHAT_WORKER_CONCURRENCY (default 32) and PREDICT_CONCURRENCY
//      (default 8), the worker's defaults,
//      LOAD_TEST_REPLY_DELAY_MS (default 300, as the original bot), BENCH_PACED_RATE (events/s
//      for the latency run; default 60% of the measured throughput), BENCH_TRANSPORTS (default
//      rest,grpc).
import { readdirSync, readFileSync } from 'node:fs'
import { DEFAULT_MODEL_INPUT } from '@tweetbot/testing/default-model'
import { dmDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { preprocessImage } from '../workers/src/media/preprocess.ts'
import { encodePredictBody } from '../workers/src/model/encode-instances.ts'
import { createGrpcModelClient } from '../workers/src/model/grpc-model-client.ts'
import { cpuSeconds, memoryMiB } from './proc-status.ts'
import { percentile } from './stats.ts'

/** The worker's default decode limits (MEDIA_MAX_PIXELS, MEDIA_MAX_DIMENSION, MEDIA_MAX_DECODE_BYTES). */
const DECODE_LIMITS = { maxPixels: 25_000_000, maxDimension: 4096, maxDecodeBytes: 128 * 2 ** 20 }

const N = Number(process.argv[2] ?? process.env.BENCH_EVENTS ?? 300)
const JOBS = Number(process.env.CHAT_WORKER_CONCURRENCY ?? 32)
// What reaches tf-serving: the worker's predicts in flight (PREDICT_CONCURRENCY), so tf-serving
// alone is measured at that concurrency.
const CONCURRENCY = Number(process.env.PREDICT_CONCURRENCY ?? 8)
const REPLY_DELAY = process.env.LOAD_TEST_REPLY_DELAY_MS ?? '300'
const IMAGES = 12
const TRANSPORTS = (process.env.BENCH_TRANSPORTS ?? 'rest,grpc').split(',') as ('rest' | 'grpc')[]

/** Direct children of a process (from every thread's /proc children list). */
const childPids = (p: number): number[] => {
  try {
    return readdirSync(`/proc/${p}/task`).flatMap((t) =>
      readFileSync(`/proc/${p}/task/${t}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
  } catch {
    return []
  }
}

const descendants = (p: number): number[] => childPids(p).flatMap((k) => [k, ...descendants(k)])

/** Peak resident set (VmHWM) of a process and of every descendant, in MB. */
const peakRss = (pid: number): { self: number; children: number } => {
  const hwm = (p: number) => {
    try {
      return memoryMiB(p).hwm
    } catch {
      return 0 // the process is gone
    }
  }
  return { self: hwm(pid), children: descendants(pid).reduce((s, k) => s + hwm(k), 0) }
}

/** CPU seconds (user + system) a process and its descendants used so far. */
const treeCpuSeconds = (pid: number): number => {
  const own = (p: number) => {
    try {
      return cpuSeconds(p)
    } catch {
      return 0 // the process is gone
    }
  }
  return [pid, ...descendants(pid)].reduce((s, p) => s + own(p), 0)
}

/** Reply times per event id from the worker's JSON log ("replied" lines). */
const replyTimes = (log: string) => {
  const times = new Map<string, number>()
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"replied"')) continue
    try {
      const entry = JSON.parse(line) as { time: string; eventId?: string }
      if (entry.eventId) times.set(entry.eventId, Date.parse(entry.time))
    } catch {}
  }
  return times
}

const waitForReplies = async (stack: Stack, ids: string[], timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const times = replyTimes(stack.services['worker:chat'].logs())
    if (ids.every((id) => times.has(id))) return times
    if (Date.now() > deadline)
      throw new Error(
        `${ids.filter((id) => !times.has(id)).length} of ${ids.length} not answered in time`,
      )
    await Bun.sleep(200)
  }
}

/** Posts DMs (paced at `rate`/s when given, else as fast as 16 connections allow). */
const postEvents = async (stack: Stack, count: number, rate?: number) => {
  const posted = new Map<string, number>()
  const start = performance.now()
  let next = 0
  const poster = async () => {
    while (next < count) {
      const i = next++
      if (rate) {
        const due = start + (i / rate) * 1000
        const wait = due - performance.now()
        if (wait > 0) await Bun.sleep(wait)
      }
      const eventId = nextXId()
      const body = dmDelivery({
        botId: stack.botId,
        senderId: String(10_000 + i),
        eventId,
        mediaUrl: stack.imageUrl(`/img${i % IMAGES}.jpg`),
      })
      posted.set(eventId, Date.now())
      const res = await stack.postDelivery(body)
      if (res.status !== 200) throw new Error(`master answered ${res.status}`)
    }
  }
  await Promise.all(Array.from({ length: rate ? 4 : 16 }, poster))
  return posted
}

/** Makes `count` calls of `call(i)`, CONCURRENCY of them in flight: calls per second. */
const callsPerSecond = async (count: number, call: (i: number) => Promise<unknown>) => {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await call(next++)
    }),
  )
  return count / ((performance.now() - t0) / 1000)
}

/** tf-serving alone: the same images, preprocessed once, `count` :predict calls at `concurrency`. */
const tfServingThroughput = async (
  predictUrl: string,
  images: Uint8Array[],
  count: number,
  grpcUrl?: string,
) => {
  if (grpcUrl) {
    // Over gRPC with the worker's own client (float32 tensor_content).
    const client = createGrpcModelClient({ url: grpcUrl, timeoutMs: 60_000, scale: '0,1' })
    const withAlias = await client.metadata()
    const pixels = await Promise.all(
      images.map((img) => preprocessImage(img, withAlias, DECODE_LIMITS)),
    )
    const rate = await callsPerSecond(count, (i) =>
      client.predict(pixels[i % pixels.length] as Uint8Array, withAlias),
    )
    client.close()
    return rate
  }
  const input = DEFAULT_MODEL_INPUT
  // The worker's own preprocessing, so these are the bodies the worker sends for these images.
  const bodies = await Promise.all(
    images.map(async (img) =>
      encodePredictBody(await preprocessImage(img, input, DECODE_LIMITS), input, '0,1'),
    ),
  )
  return callsPerSecond(count, async (i) => {
    const res = await fetch(predictUrl, { method: 'POST', body: bodies[i % bodies.length] })
    if (!res.ok) throw new Error(`predict ${res.status}`)
    await res.arrayBuffer()
  })
}

const images = await Promise.all(
  Array.from({ length: IMAGES }, (_, i) => makePhoto(i + 1, 640, 480)),
)
/** Worker and tf-serving CPU per event of each transport's burst, for the closing comparison. */
const cpuByTransport: { transport: string; worker: number; tfServing: number }[] = []

const runFor = async (transport: 'rest' | 'grpc') => {
  const stack = await startStack({
    transport,
    loadTesting: true,
    images: Object.fromEntries(
      images.map((b, i) => [
        `/img${i}.jpg`,
        { body: b as Uint8Array<ArrayBuffer>, contentType: 'image/jpeg' },
      ]),
    ),
    env: {
      all: { FLT_DEBUG_MODE: 'False' },
      'worker:chat': {
        ...(process.env.BENCH_WORKER_MALLOC_ARENA_MAX
          ? { MALLOC_ARENA_MAX: process.env.BENCH_WORKER_MALLOC_ARENA_MAX }
          : {}),
        CHAT_WORKER_CONCURRENCY: String(JOBS),
        PREDICT_CONCURRENCY: String(CONCURRENCY),
        LOAD_TEST_REPLY_DELAY_MS: REPLY_DELAY,
      },
    },
  })
  try {
    console.info(
      `bench:e2e over ${transport.toUpperCase()} — ${N} DM events, chat worker: ${JOBS} jobs / ${CONCURRENCY} predicts at once, load-testing mode (reply delay ${REPLY_DELAY} ms), logs in ${stack.logDir}`,
    )
    // Warm-up: the first predicts compile kernels in tf-serving.
    const warm = await postEvents(stack, 16)
    await waitForReplies(stack, [...warm.keys()], 120_000)
    // tf-serving alone right before and right after the burst: the machine is shared, so the
    // ratio uses the mean of the two runs that bracket the end-to-end one.
    const tfsBefore = await tfServingThroughput(
      stack.predictUrl,
      images,
      N,
      transport === 'grpc' ? stack.grpcUrl : undefined,
    )

    // 1. Throughput: a burst of N events, from first POST to last reply.
    const cpuBefore = Object.values(stack.services).map((svc) =>
      svc.pid ? treeCpuSeconds(svc.pid) : 0,
    )
    const burst = await postEvents(stack, N)
    const burstTimes = await waitForReplies(stack, [...burst.keys()], 600_000)
    const firstPost = Math.min(...burst.values())
    const lastReply = Math.max(...[...burst.keys()].map((id) => burstTimes.get(id)!))
    const overallRate = N / ((lastReply - firstPost) / 1000)
    // Steady state: replies per second between the 10th and the 90th percentile reply, without
    // the fill (first image's download + predict) and drain (last replies' X delay) of the burst.
    const replyAt = [...burst.keys()].map((id) => burstTimes.get(id)!).sort((a, b) => a - b)
    const from = Math.floor(N * 0.1)
    const to = Math.floor(N * 0.9)
    const e2eRate = (to - from) / (((replyAt[to] ?? 0) - (replyAt[from] ?? 0)) / 1000)
    const cpuAfter = Object.values(stack.services).map((svc) =>
      svc.pid ? treeCpuSeconds(svc.pid) : 0,
    )

    const tfsAfter = await tfServingThroughput(
      stack.predictUrl,
      images,
      N,
      transport === 'grpc' ? stack.grpcUrl : undefined,
    )
    const tfsRate = (tfsBefore + tfsAfter) / 2

    // 3. Latency at a steady rate under capacity.
    const rate = Number(process.env.BENCH_PACED_RATE ?? Math.max(1, Math.round(e2eRate * 0.6)))
    const pacedN = Math.min(N, Math.round(rate * 15))
    const paced = await postEvents(stack, pacedN, rate)
    const pacedTimes = await waitForReplies(stack, [...paced.keys()], 600_000)
    const latencies = [...paced.entries()]
      .map(([id, t]) => pacedTimes.get(id)! - t)
      .sort((a, b) => a - b)
    const burstLat = [...burst.entries()]
      .map(([id, t]) => burstTimes.get(id)! - t)
      .sort((a, b) => a - b)

    console.info('')
    console.info(
      `end-to-end throughput (burst of ${N})   ${e2eRate.toFixed(1)} events/s steady (10th–90th percentile reply); ${overallRate.toFixed(1)} first POST → last reply`,
    )
    console.info(
      `tf-serving ${transport === 'grpc' ? 'gRPC Predict' : ':predict'} alone, c=${CONCURRENCY}  ${tfsRate.toFixed(1)} images/s (mean of ${tfsBefore.toFixed(1)} before and ${tfsAfter.toFixed(1)} after)`,
    )
    console.info(
      `ratio e2e / tf-serving                 ${(e2eRate / tfsRate).toFixed(2)}  (target ≥ 0.90)`,
    )
    console.info(
      `latency webhook→reply at ${rate}/s (n=${pacedN})   p50 ${percentile(latencies, 50)} ms  p99 ${percentile(latencies, 99)} ms  (includes the ${REPLY_DELAY} ms load-test reply delay)`,
    )
    console.info(
      `latency in the burst (queueing)        p50 ${percentile(burstLat, 50)} ms  p99 ${percentile(burstLat, 99)} ms`,
    )
    const metricsText = await stack.metrics('worker:chat')
    const stageMean = (stage: string) => {
      const sum = new RegExp(
        `tweetbot_worker_stage_seconds_sum\\{[^}]*stage="${stage}"[^}]*\\} (\\S+)`,
      ).exec(metricsText)
      const count = new RegExp(
        `tweetbot_worker_stage_seconds_count\\{[^}]*stage="${stage}"[^}]*\\} (\\S+)`,
      ).exec(metricsText)
      return sum && count ? `${((Number(sum[1]) / Number(count[1])) * 1000).toFixed(0)} ms` : 'n/a'
    }
    console.info(
      `worker stage means (all runs)          ${['download', 'preprocess', 'predict', 'reply'].map((s) => `${s} ${stageMean(s)}`).join(', ')}`,
    )
    console.info(`CPU per event during the burst (${transport})`)
    const perEvent: Record<string, number> = {}
    Object.values(stack.services).forEach((svc, i) => {
      const ms = (((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / N) * 1000
      perEvent[svc.name] = ms
      console.info(`  ${svc.name.padEnd(14)} ${ms.toFixed(1)} ms`)
    })
    cpuByTransport.push({
      transport,
      worker: perEvent['worker:chat'] ?? 0,
      tfServing: perEvent['tf-serving'] ?? 0,
    })
    console.info('peak RSS (VmHWM)')
    for (const svc of Object.values(stack.services)) {
      if (!svc.pid) continue
      const rss = peakRss(svc.pid)
      const kids = rss.children > 0 ? ` + ${rss.children.toFixed(0)} MB in child processes` : ''
      console.info(`  ${svc.name.padEnd(14)} ${rss.self.toFixed(0)} MB${kids}`)
    }
  } finally {
    await stack.stop()
  }
}

for (const transport of TRANSPORTS) await runFor(transport)
if (cpuByTransport.length > 1) {
  console.info('\nCPU per event by transport (burst)')
  for (const r of cpuByTransport)
    console.info(
      `  ${r.transport.padEnd(5)} worker:chat ${r.worker.toFixed(1).padStart(6)} ms   tf-serving ${r.tfServing.toFixed(1).padStart(6)} ms`,
    )
}
