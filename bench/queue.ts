// bun run bench:queue: throughput of the Redis queue beside redis-benchmark on the same server.
//   enqueue         jobs/s through createRedisQueue().enqueue (dedupe + push, one script call)
//   reserve+ack     jobs/s drained by 1 and by 4 consumer processes (createConsumer, concurrency 8,
//                   a handler that returns at once): BLMOVE + claim (EVALSHA) + LREM per job
//   redis-benchmark `redis-benchmark -t lpush,rpop -q` (50 clients) on the same redis-server
// Figures depend on the machine; compare the ratios, measured in one run.
import { silentLogger } from '@tweetbot/common/log'
import { createConsumer, createRedisQueue, newEnvelope, queueKeys } from '@tweetbot/common/queue'
import { startRedisServer } from '@tweetbot/testing'

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000)
// The machine is shared: each figure is the best of REPEAT runs.
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3)
const CONSUMER_CONCURRENCY = 8

// A payload of the size the master writes for a DM with one photo (~450 bytes of JSON).
const payload = (i: number) => ({
  kind: 'dm',
  api: 'aaa',
  botId: '1234567890',
  eventId: `bench-${i}`,
  text: 'what is in this picture? https://t.co/abcdefghij',
  media: [{ url: 'https://ton.twitter.com/1.1/ton/data/dm/1/2/abcdefgh.jpg', type: 'photo' }],
  needsMediaLookup: false,
  sender: { id: '9876543210', screenName: 'someone', name: 'Some One' },
  createdAt: '2026-11-28T00:00:00.000Z',
})

/** Child mode: one consumer process that acks everything until SIGTERM. */
const runConsumer = async (url: string, prefix: string) => {
  const queue = createRedisQueue({ url, prefix })
  const consumer = createConsumer({
    queue,
    name: 'chat',
    concurrency: CONSUMER_CONCURRENCY,
    logger: silentLogger,
    pollTimeoutSec: 0.5,
    handler: async () => 'replied',
  })
  process.on('SIGTERM', async () => {
    await consumer.close(2_000)
    process.exit(0)
  })
  process.stdout.write(`ready ${consumer.id}\n`)
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000)

const best = async (run: (round: number) => Promise<number>) => {
  let top = 0
  for (let i = 0; i < REPEAT; i++) top = Math.max(top, await run(i))
  return top
}

const enqueueBench = async (url: string, prefix: string, inFlight: number) => {
  const q = createRedisQueue({ url, prefix })
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < JOBS) {
        const i = next++
        await q.enqueue('chat', `e-${i}`, payload(i))
      }
    }),
  )
  const ms = performance.now() - t0
  await q.close()
  return rate(JOBS, ms)
}

const spawnConsumers = async (url: string, prefix: string, n: number) => {
  const procs = Array.from({ length: n }, () =>
    Bun.spawn([process.execPath, import.meta.path, '--consumer', url, prefix], {
      stdout: 'pipe',
      stderr: 'inherit',
    }),
  )
  for (const p of procs) {
    const reader = p.stdout.getReader()
    let text = ''
    while (!text.includes('ready')) {
      const { value, done } = await reader.read()
      if (done) throw new Error('bench consumer exited early')
      text += new TextDecoder().decode(value)
    }
    reader.releaseLock()
  }
  return procs
}

const drainBench = async (url: string, prefix: string, consumers: number) => {
  // Fill a staging list, then RENAME it onto the pending key in one step once the consumers wait
  // on it, so process start-up is not part of the measurement.
  const q = createRedisQueue({ url, prefix })
  const filler = new Bun.RedisClient(url)
  const k = queueKeys(prefix, 'chat')
  const staging = `${k.pending}:staging`
  for (let i = 0; i < JOBS; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, JOBS - i) }, (_, j) =>
      JSON.stringify(newEnvelope('chat', `d-${i + j}`, payload(i + j))),
    )
    await filler.send('LPUSH', [staging, ...batch])
  }
  const procs = await spawnConsumers(url, prefix, consumers)
  const t0 = performance.now()
  await filler.send('RENAME', [staging, k.pending])
  for (;;) {
    const s = (await q.stats()).chat
    if (s.pending === 0 && s.processing === 0) break
    await Bun.sleep(5)
  }
  const ms = performance.now() - t0
  for (const p of procs) p.kill('SIGTERM')
  await Promise.all(procs.map((p) => p.exited))
  filler.close()
  await q.close()
  return rate(JOBS, ms)
}

const redisBenchmark = async (port: number) => {
  if (!Bun.which('redis-benchmark'))
    return { error: 'redis-benchmark not found (Debian: apt-get install redis-tools)' } as const
  const proc = Bun.spawn(
    ['redis-benchmark', '-p', String(port), '-t', 'lpush,rpop', '-q', '-n', '100000'],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const out = await new Response(proc.stdout).text()
  await proc.exited
  const pick = (name: string) => {
    const m = out.match(new RegExp(`${name}: ([\\d.]+) requests per second`))
    return m ? Math.round(Number(m[1])) : undefined
  }
  const lpush = pick('LPUSH')
  const rpop = pick('RPOP')
  if (!lpush || !rpop)
    return { error: `could not read redis-benchmark output: ${out.slice(0, 300)}` }
  return { lpush, rpop } as const
}

const main = async () => {
  const server = await startRedisServer({ appendonly: true })
  try {
    const url = server.url
    console.info(
      `bench:queue — ${JOBS} jobs per run, best of ${REPEAT}; redis-server ${url} (AOF everysec)`,
    )
    const enqueue1 = await best((i) => enqueueBench(url, `bench-e1-${i}`, 1))
    const enqueue50 = await best((i) => enqueueBench(url, `bench-e50-${i}`, 50))
    const drain1 = await best((i) => drainBench(url, `bench-d1-${i}`, 1))
    const drain4 = await best((i) => drainBench(url, `bench-d4-${i}`, 4))
    const rb = await redisBenchmark(server.port)

    const rows: [string, number, string][] = []
    const ratio = (ours: number, ref: number | undefined) =>
      ref ? `${((ours / ref) * 100).toFixed(1)}%` : 'n/a'
    const lpush = 'lpush' in rb ? rb.lpush : undefined
    const rpop = 'rpop' in rb ? rb.rpop : undefined
    rows.push(['enqueue, 1 in flight', enqueue1, ratio(enqueue1, lpush)])
    rows.push(['enqueue, 50 in flight', enqueue50, ratio(enqueue50, lpush)])
    rows.push([`reserve+ack, 1 consumer × ${CONSUMER_CONCURRENCY}`, drain1, ratio(drain1, rpop)])
    rows.push([`reserve+ack, 4 consumers × ${CONSUMER_CONCURRENCY}`, drain4, ratio(drain4, rpop)])
    if (lpush && rpop) {
      rows.push(['redis-benchmark LPUSH (50 clients)', lpush, '100%'])
      rows.push(['redis-benchmark RPOP (50 clients)', rpop, '100%'])
    }
    const w = Math.max(...rows.map((r) => r[0].length))
    console.info(`\n${'measure'.padEnd(w)}  ${'jobs/s'.padStart(9)}  vs redis-benchmark`)
    for (const [name, value, r] of rows)
      console.info(`${name.padEnd(w)}  ${String(value).padStart(9)}  ${r}`)
    console.info(
      '\nenqueue is compared with LPUSH, reserve+ack with RPOP (one command each in redis-benchmark;' +
        ' ours: EVALSHA of SET NX EX + LPUSH, and BLMOVE + EVALSHA claim + LREM per job).',
    )
    if ('error' in rb) console.info(`\nredis-benchmark: ${rb.error}`)
  } finally {
    await server.destroy()
  }
}

if (process.argv[2] === '--consumer') await runConsumer(process.argv[3]!, process.argv[4]!)
else await main()
