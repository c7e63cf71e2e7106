// Checks around an attack, run by vegeta_attack.sh:
//   preflight --workers URL[,URL] [--master URL]   refuse unless every worker is in load-testing mode
//   counts    --workers URL[,URL]                  print the workers' job counters (JSON)
//   drain     --workers ... --baseline JSON --report report.json [--timeout S] [--redis URL --prefix P]
//             wait (bounded) until the workers finished as many jobs as requests succeeded
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createRedisQueue } from '@tweetbot/common/queue'
import { succeededFromReport } from './attack-report.ts'
import {
  diffCounts,
  finished,
  type JobCounts,
  LOAD_TESTING_GAUGE,
  probeWorker,
  sumCounts,
} from './stack-probe.ts'

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

const probeAll = (workers: string[]) => Promise.all(workers.map(probeWorker))

const preflight = async (workers: string[], master: string | undefined) => {
  if (workers.length === 0) throw new Error('--workers is empty')
  let refuse = false
  if (master) {
    const up = await fetch(`${master.replace(/\/+$/, '')}/healthz`, {
      signal: AbortSignal.timeout(3_000),
    }).then(
      (r) => r.ok,
      () => false,
    )
    if (!up) {
      console.error(
        `master not reachable at ${master} (start the stack: make dev, or make load_test)`,
      )
      refuse = true
    }
  }
  for (const p of await probeAll(workers)) {
    if (p.mode.on) console.info(`worker ${p.url}: load-testing mode on (${p.mode.source})`)
    else {
      console.error(`worker ${p.url}: ${p.mode.reason}`)
      refuse = true
    }
  }
  if (refuse) {
    console.error(
      'refusing to attack: every worker must run with FLT_LOAD_TESTING_MODE=True, or the load test ' +
        `would reply on X from the bot's account. Workers prove it with the gauge ${LOAD_TESTING_GAUGE} 1 ` +
        'on /metrics (or loadTestingMode: true on /readyz); setting the variable in this shell proves nothing.',
    )
    return 3
  }
  return 0
}

const describe = (c: JobCounts) =>
  `replied ${c.replied}, skipped ${c.skipped}, dead ${c.dead}; retries ${c.retried}`

const queueDepths = async (redis: string, prefix: string) => {
  const queue = createRedisQueue({ url: redis, prefix, connectTimeoutMs: 1_000 })
  try {
    const stats = await queue.stats()
    return Object.entries(stats)
      .map(
        ([q, d]) =>
          `${q}: pending ${d.pending}, processing ${d.processing}, delayed ${d.delayed}, dead ${d.dead}`,
      )
      .join('; ')
  } catch (err) {
    return `unavailable (${(err as Error).message})`
  } finally {
    await queue.close()
  }
}

const drain = async (args: {
  workers: string[]
  baseline: JobCounts
  requests: number
  succeeded: number
  timeoutSec: number
  redis?: string
  prefix: string
}) => {
  const deadline = Date.now() + args.timeoutSec * 1000
  let done = diffCounts(sumCounts(await probeAll(args.workers)), args.baseline)
  let lastReport = 0
  while (finished(done) < args.succeeded && Date.now() < deadline) {
    if (Date.now() - lastReport > 5_000) {
      console.info(
        `draining: ${finished(done)}/${args.succeeded} jobs finished (${describe(done)})`,
      )
      lastReport = Date.now()
    }
    await Bun.sleep(500)
    done = diffCounts(sumCounts(await probeAll(args.workers)), args.baseline)
  }
  console.info('')
  console.info(`Requests sent                   ${args.requests}`)
  console.info(`Requests succeeded (2xx)        ${args.succeeded}`)
  console.info(`Jobs finished by workers        ${finished(done)}  (${describe(done)})`)
  if (args.redis)
    console.info(`Queues now                      ${await queueDepths(args.redis, args.prefix)}`)
  if (args.succeeded < args.requests)
    console.error(
      `${args.requests - args.succeeded} requests were not accepted (see the status codes above)`,
    )
  if (finished(done) === args.succeeded && done.dead === 0 && args.succeeded === args.requests) {
    console.info('every accepted event was answered')
    return 0
  }
  if (finished(done) < args.succeeded)
    console.error(
      `${args.succeeded - finished(done)} accepted events not finished within ${args.timeoutSec}s ` +
        '(raise DRAIN_TIMEOUT, add workers, or look at the dead lists: bun run queue stats)',
    )
  if (done.dead > 0) console.error(`${done.dead} jobs went to a dead list`)
  if (finished(done) > args.succeeded)
    console.error(
      'workers finished more jobs than this attack queued: another load ran at the same time',
    )
  return 1
}

const main = async () => {
  const [command, ...rest] = Bun.argv.slice(2)
  const { values } = parseArgs({
    args: rest,
    options: {
      workers: { type: 'string', default: 'http://127.0.0.1:9091,http://127.0.0.1:9092' },
      master: { type: 'string' },
      baseline: { type: 'string' },
      report: { type: 'string' },
      timeout: { type: 'string', default: '120' },
      redis: { type: 'string' },
      prefix: { type: 'string', default: 'tweetbot' },
    },
  })
  const workers = list(values.workers)
  if (command === 'preflight') return preflight(workers, values.master)
  if (command === 'counts') {
    console.info(JSON.stringify(sumCounts(await probeAll(workers))))
    return 0
  }
  if (command === 'drain') {
    if (!values.baseline || !values.report) throw new Error('drain needs --baseline and --report')
    const report = JSON.parse(readFileSync(values.report, 'utf8')) as {
      requests?: number
      status_codes?: Record<string, number>
    }
    return drain({
      workers,
      baseline: JSON.parse(values.baseline) as JobCounts,
      requests: report.requests ?? succeededFromReport(report),
      succeeded: succeededFromReport(report),
      timeoutSec: Number(values.timeout),
      ...(values.redis ? { redis: values.redis } : {}),
      prefix: values.prefix,
    })
  }
  console.error(
    'usage: bun load_test/src/stack-cli.ts preflight|counts|drain [--workers URL,URL] ...',
  )
  return 2
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(String(err))
    process.exit(2)
  },
)
