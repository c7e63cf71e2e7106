// `make chaos` (= `bun bench/chaos/run.ts`): the fault-injection suite. Starts the whole stack as
// real processes on loopback (redis-server, tf-serving with the default model, master, both
// workers) with the workers talking to the fake X API, which records every reply; drives signed
// DMs and mentions with X-like redelivery; breaks one thing per scenario while traffic flows;
// then counts accepted, answered, lost, duplicated and buried events and the time to recover.
// Knobs: CHAOS_* variables (bench/chaos/config.ts, RELIABILITY.md). Not part of `make test`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { type ChaosConfig, parseChaosConfig } from './config.ts'
import { type ChaosMediaServer, startChaosMediaServer } from './media-server.ts'
import { drain, ensureHealthy, guardSkips } from './observe.ts'
import { failures, formatReport, type ScenarioResult } from './report.ts'
import { type FaultWindow, SCENARIOS, type Scenario, type ScenarioContext } from './scenarios.ts'
import { startTraffic, type TrafficOptions } from './traffic.ts'
import { xFaults } from './x-faults.ts'

const root = resolve(import.meta.dir, '../..')
const t0 = Date.now()
const log = (msg: string) =>
  console.info(`[chaos +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}`)

let cfg: ChaosConfig
try {
  cfg = parseChaosConfig(Bun.env)
} catch (err) {
  console.error((err as Error).message)
  process.exit(2)
}
const chosen = SCENARIOS.filter(
  (s) => cfg.only.length === 0 || cfg.only.includes(s.name) || cfg.only.includes(String(s.id)),
)
if (chosen.length === 0) {
  console.error(
    `chaos: CHAOS_SCENARIOS matches none of ${SCENARIOS.map((s) => `${s.id}/${s.name}`).join(', ')}`,
  )
  process.exit(2)
}

/** X's redelivery after a failed webhook (legacy AAA: ~3 retries); compressed to seconds. */
const RETRY_DELAYS_MS = [3_000, 6_000, 12_000]
const runIdBase = BigInt(Date.now()) * 1000n

/** Good deliveries at CHAOS_RATE, redelivered like X; ids count up from `idBase`. */
const goodTraffic = (s: Stack, idBase: bigint, photoFor: TrafficOptions['media']) =>
  startTraffic({
    webhookUrl: `${s.services.master.url}/webhook`,
    consumerSecret: s.consumerSecret,
    botId: s.botId,
    rate: cfg.rate,
    retryDelaysMs: RETRY_DELAYS_MS,
    timeoutMs: 3_000,
    idBase,
    media: photoFor,
  })

let stack: Stack | undefined
let media: ChaosMediaServer | undefined
let stopping: Promise<void> | undefined
const shutdown = () => {
  stopping ??= (async () => {
    media?.stop()
    await stack?.stop().catch((err) => console.error(`chaos: stopping the stack failed: ${err}`))
  })()
  return stopping
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    console.error(`chaos: ${sig}, stopping everything`)
    void shutdown().then(() => process.exit(130))
  })

const runScenario = async (ctx: ScenarioContext, sc: Scenario): Promise<ScenarioResult> => {
  log(`scenario ${sc.id} ${sc.name}: ${sc.title}`)
  ctx.mediaMode = 'ok'
  const traffic = goodTraffic(ctx.stack, runIdBase + BigInt(sc.id) * 10_000_000n, (n) =>
    ctx.mediaMode === 'half-missing' && n % 2 === 1
      ? { url: ctx.media.missingUrl(`${sc.id}-${n}`), expectBury: true }
      : { url: ctx.media.photoUrl(n) },
  )
  const startedAt = Date.now()
  let window: FaultWindow = { startAt: startedAt, endAt: startedAt, notes: [], checks: [] }
  let error: string | undefined
  try {
    window = await sc.inject(ctx)
    // Traffic for the whole scenario, and at least 5 s past the fault.
    await Bun.sleep(
      Math.max(0, Math.max(startedAt + cfg.seconds * 1000, window.endAt + 5_000) - Date.now()),
    )
  } catch (err) {
    error = (err as Error).message.split('\n')[0]
    log(`  scenario error: ${error}`)
    window.endAt = Date.now()
  } finally {
    ctx.x.clear()
    ctx.media.setDelayMs(0)
    ctx.mediaMode = 'ok'
    await traffic.stop()
  }
  log(`  traffic stopped: ${traffic.events.length} events; waiting for the backlog`)
  try {
    await ensureHealthy(ctx.stack, log)
  } catch (err) {
    error ??= `stack not healthy after the scenario: ${(err as Error).message.split('\n')[0]}`
  }
  const accounting = await drain(ctx, traffic.events, window.endAt, window.expectedBuryReason)
  const g = sc.governing(cfg)
  const skips = guardSkips(ctx.stack, traffic.events)
  if (skips > 0)
    window.notes.push(
      `reply guard: ${skips} redelivered jobs not answered again (reply already sent, or found on X after a crash, hand-back or timeout)`,
    )
  const result: ScenarioResult = {
    id: sc.id,
    name: sc.name,
    title: sc.title,
    accounting,
    answers: Object.fromEntries(traffic.answers),
    budgetMs: 2 * g.ms,
    governing: g.what,
    faultMs: window.endAt - window.startAt,
    notes: window.notes,
    checks: [...window.checks, ...(sc.after?.(ctx, window.startAt, window.endAt) ?? [])],
    ...(error ? { error } : {}),
  }
  const why = failures(result)
  log(
    `  ${accounting.accepted} accepted, ${accounting.replied} replied, ${accounting.lost} lost, ${accounting.duplicated} duplicated, ${accounting.buried} buried → ${why.length ? `FAIL (${why.join('; ')})` : 'PASS'}`,
  )
  return result
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')} at start, Bun ${Bun.version}`
const results: ScenarioResult[] = []
let exitCode = 0
try {
  log(`machine: ${machine}`)
  log(
    `config: ${cfg.rate} events/s, ${cfg.seconds} s per scenario, scenarios ${chosen.map((s) => s.id).join(',')}`,
  )
  media = await startChaosMediaServer()
  const workerEnv = {
    CHAT_WORKER_CONCURRENCY: String(cfg.concurrency),
    TWEET_WORKER_CONCURRENCY: String(cfg.concurrency),
    X_TIMEOUT_MS: String(cfg.xTimeoutMs),
    MEDIA_TIMEOUT_MS: String(cfg.mediaTimeoutMs),
    SHUTDOWN_GRACE_MS: String(cfg.shutdownGraceMs),
    PREDICT_TIMEOUT_MS: String(cfg.predictTimeoutMs),
    MODEL_OUTAGE_WAIT_MS: String(cfg.modelOutageWaitMs),
    MEDIA_ALLOWED_HOSTS: `127.0.0.1:${media.port}`,
  }
  const logDir = join(
    dirname(resolve(root, cfg.out)),
    `logs-${new Date(t0).toISOString().replace(/[:.]/g, '-')}`,
  )
  mkdirSync(logDir, { recursive: true })
  stack = await startStack({
    root,
    loadTesting: false,
    logDir,
    env: { 'worker:chat': workerEnv, 'worker:tweet': workerEnv },
  })
  log(`stack up (logs in ${logDir})`)
  const ctx: ScenarioContext = { stack, media, x: xFaults(stack.x), cfg, mediaMode: 'ok', log }

  // Warm-up: the first predictions compile tf-serving's kernels; not counted.
  const warm = goodTraffic(stack, runIdBase, (n) => ({ url: media!.photoUrl(n) }))
  await Bun.sleep(3_000)
  await warm.stop()
  const w = await drain(ctx, warm.events, Date.now())
  log(`warm-up: ${w.replied}/${w.accepted} replied, p50 ${w.latencyP50Ms} ms`)

  for (const sc of chosen) results.push(await runScenario(ctx, sc))

  const table = formatReport(results)
  console.info(`\n${table}\n`)
  const outFile = resolve(root, cfg.out)
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        date: new Date(t0).toISOString(),
        machine,
        config: cfg,
        tookSeconds: (Date.now() - t0) / 1000,
        results,
      },
      null,
      2,
    ),
  )
  const failed = results.filter((r) => failures(r).length > 0)
  log(
    `done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${results.length - failed.length}/${results.length} scenarios met their targets; results in ${cfg.out}`,
  )
  if (failed.length > 0) exitCode = 1
} catch (err) {
  console.error(`chaos: ${(err as Error).stack ?? err}`)
  exitCode = 1
} finally {
  await shutdown()
}
process.exit(exitCode)
