// bun run bench:master [--duration 10] [--connections 50] [--rate 5000] [--threads 1]
//
// Signed DM webhooks against the master (a real `bun master/src/main.ts` process with its own
// redis-server) and, in the same run, the same load against a bare Bun.serve returning 200.
// Every request carries a distinct DM event id, so the master really enqueues each one.
//   1. max throughput: wrk (C, keep-alive), pre-signed requests fed by a Lua script;
//   2. fixed rate: an open-loop Bun fetch generator at --rate req/s; latency is measured from
//      each request's scheduled send time, so a stall is not hidden (no coordinated omission).
// autocannon runs under Bun too, but records latency in whole milliseconds; hence wrk + Bun.
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, startRedisServer } from '@tweetbot/common/src/testing/index.ts'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    rate: { type: 'string', default: '5000' },
  },
})
const DURATION_S = Number(args.duration)
const CONNECTIONS = Number(args.connections)
const THREADS = Number(args.threads)
const RATE = Number(args.rate)
const SECRET = 'bench-consumer-secret'
const ROOT = join(import.meta.dir, '..')
const work = mkdtempSync(join(tmpdir(), 'bench-master-'))

// A realistic photo DM (the master's test fixture), compacted; the event id varies per request.
const template = JSON.stringify(
  JSON.parse(readFileSync(join(ROOT, 'master/test/fixtures/aaa/dm-photo.json'), 'utf8')),
).replaceAll('954491830116155396', '{{ID}}')
let nextId = 1_000_000_000_000_000_000n
const signedDm = () => {
  const body = template.replaceAll('{{ID}}', String(nextId++))
  return { body, signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('base64')}` }
}

const waitUp = async (url: string) => {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await Bun.sleep(50)
  }
  throw new Error(`${url} did not come up`)
}

const stopProc = (proc: ReturnType<typeof Bun.spawn>) => {
  proc.kill('SIGTERM')
  return proc.exited
}

const startMaster = async (redisUrl: string) => {
  const port = await freePort()
  const proc = Bun.spawn(['bun', join(ROOT, 'master/src/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: 'bench',
      TWITTER_CONSUMER_SECRET: SECRET,
      FLT_DEBUG_MODE: 'False',
    },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  await waitUp(`http://127.0.0.1:${port}/healthz`)
  return { port, stop: () => stopProc(proc) }
}

const startBare = async () => {
  const port = await freePort()
  const code = `Bun.serve({ port: ${port}, hostname: '127.0.0.1', fetch: () => new Response('ok') })`
  const proc = Bun.spawn(['bun', '-e', code], { stdout: 'ignore', stderr: 'inherit' })
  await waitUp(`http://127.0.0.1:${port}/`)
  return { port, stop: () => stopProc(proc) }
}

interface Figures {
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  requests: number
  errors: number
}

const WRK_LUA = `
local tid = 0
function setup(thread) thread:set("tid", tid); tid = tid + 1 end
local reqs, n = {}, 0
function init(args)
  local threads, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % threads == tid then
      local sig, body = line:match("^(%S+)\\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", "/webhook",
        { ["Content-Type"] = "application/json", ["X-Twitter-Webhooks-Signature"] = sig }, body)
    end
    i = i + 1
  end
end
function request() n = n + 1; return reqs[(n - 1) % #reqs + 1] end
function done(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"errors":%d}\\n',
    s.requests, s.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`

/** Distinct signed requests for one wrk run (ids never repeat within the bench). */
const writeRequests = (count: number) => {
  const path = join(work, `requests-${nextId}.tsv`)
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const { body, signature } = signedDm()
    lines.push(`${signature}\t${body}`)
  }
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

const runWrk = async (port: number, requestsFile: string): Promise<Figures> => {
  const script = join(work, 'signed.lua')
  writeFileSync(script, WRK_LUA)
  const proc = Bun.spawn(
    [
      'wrk',
      `-t${THREADS}`,
      `-c${CONNECTIONS}`,
      `-d${DURATION_S}s`,
      '-s',
      script,
      `http://127.0.0.1:${port}/webhook`,
      '--',
      requestsFile,
      String(THREADS),
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  )
  const out = await new Response(proc.stdout).text()
  await proc.exited
  const line = out.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`wrk printed no result:\n${out}`)
  const r = JSON.parse(line.slice(7))
  return {
    reqPerSec: r.requests / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    requests: r.requests,
    errors: r.errors,
  }
}

/** Open loop at `rate` req/s for the duration; latency from the scheduled send time. */
const runFixedRate = async (port: number, rate: number): Promise<Figures> => {
  const url = `http://127.0.0.1:${port}/webhook`
  const total = Math.round(rate * DURATION_S)
  const bodies = Array.from({ length: total }, signedDm)
  const latencies = new Float64Array(total)
  let errors = 0
  let done = 0
  const inflight = new Set<Promise<void>>()
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000))
    for (; sent < due; sent++) {
      const scheduled = start + (sent * 1000) / rate
      const { body, signature } = bodies[sent] as { body: string; signature: string }
      const i = sent
      const p = fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      })
        .then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 200) errors++
        })
        .catch(() => {
          errors++
        })
        .finally(() => {
          latencies[i] = performance.now() - scheduled
          done++
          inflight.delete(p)
        })
      inflight.add(p)
    }
    await Bun.sleep(1)
  }
  await Promise.all(inflight)
  const elapsed = (performance.now() - start) / 1000
  const sorted = latencies.slice(0, done).sort()
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { reqPerSec: done / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), requests: done, errors }
}

const fmt = (f: Figures) =>
  `${f.reqPerSec.toFixed(0).padStart(8)} req/s  p50 ${f.p50Ms.toFixed(2).padStart(6)} ms  p99 ${f.p99Ms
    .toFixed(2)
    .padStart(6)} ms  (${f.requests} requests, ${f.errors} errors/non-200)`

const redis = await startRedisServer()
const master = await startMaster(redis.url)
const bare = await startBare()
const client = new Bun.RedisClient(redis.url)
try {
  console.info(
    `bench:master — ${DURATION_S}s per phase, wrk -t${THREADS} -c${CONNECTIONS}, fixed rate ${RATE}/s, distinct DM ids`,
  )
  // Enough distinct requests that wrk never cycles back to an id (a repeat would be a duplicate).
  const perRun = Math.max(200_000, 40_000 * DURATION_S)
  console.info(`warming up the master (${Math.min(2, DURATION_S)} s)…`)
  await runFixedRate(master.port, 2000).catch(() => undefined)
  // Workers would drain the list; the bench deletes it so Redis stays small between phases.
  const drain = async () => {
    const n = Number(await client.send('LLEN', ['bench:queue:chat']))
    await client.send('DEL', ['bench:queue:chat'])
    return n
  }
  await drain()
  const masterMax = await runWrk(master.port, writeRequests(perRun))
  let queued = await drain()
  const bareMax = await runWrk(bare.port, writeRequests(perRun))
  const masterRate = await runFixedRate(master.port, RATE)
  queued += await drain()
  const bareRate = await runFixedRate(bare.port, RATE)

  console.info('\nmax throughput (wrk, keep-alive):')
  console.info(`  master ${fmt(masterMax)}`)
  console.info(`  bare   ${fmt(bareMax)}`)
  const ratio = masterMax.reqPerSec / bareMax.reqPerSec
  console.info(`  ratio master/bare: ${ratio.toFixed(2)} (target ≥ 0.5)`)
  console.info(`\nfixed rate ${RATE} req/s (open loop, Bun fetch):`)
  console.info(`  master ${fmt(masterRate)}`)
  console.info(`  bare   ${fmt(bareRate)}`)
  console.info(`  master p99 ${masterRate.p99Ms.toFixed(2)} ms (target ≤ 10 ms)`)
  // wrk stops counting with up to -c requests in flight, which the master still queues.
  console.info(
    `\njobs queued by the master in the measured phases: ${queued} (answered requests counted: ${masterMax.requests + masterRate.requests}; all ids distinct, so no duplicates)`,
  )
  console.info(
    `verdict: ratio ${ratio >= 0.5 ? 'met' : 'NOT met'}, p99 at ${RATE}/s ${masterRate.p99Ms <= 10 ? 'met' : 'NOT met'}`,
  )
} finally {
  client.close()
  await master.stop()
  await bare.stop()
  await redis.destroy()
  rmSync(work, { recursive: true, force: true })
}
