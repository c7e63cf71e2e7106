import type { RecordedRequest } from '@tweetbot/testing/fake-x-api'
import type { ServiceName, Stack } from '@tweetbot/testing/stack'
import { median } from '../stats.ts'
import { replyRecordOf } from './accounting.ts'
import { BAD_KINDS, startFlood } from './flood.ts'
import { type Check, governedBy, type Scenario } from './scenario.ts'
import { hostileScenario } from './scenario-hostile.ts'

export type { Check, FaultWindow, Scenario, ScenarioContext } from './scenario.ts'

const sleep = (ms: number) => Bun.sleep(Math.max(0, ms))
const WORKERS: ServiceName[] = ['worker:chat', 'worker:tweet']
/** Jobs a worker holds right now, from its /metrics (undefined when it does not answer). */
const inFlight = async (stack: Stack, name: ServiceName) => {
  const text = await stack.metrics(name).catch(() => '')
  const m = /^tweetbot_jobs_in_flight\{[^}]*\} (\d+)/m.exec(text)
  return m ? Number(m[1]) : undefined
}

/** X answers replies this late during scenarios 1 and 6, so kills land while requests are open. */
const SLOW_X_MS = 1_000

const workerKill: Scenario = {
  id: 1,
  name: 'worker-kill',
  title: 'worker SIGKILL every few s + restart',
  governing: () => governedBy('QUEUE_HEARTBEAT_TTL_SEC', 30_000),
  inject: async ({ stack, cfg, x, log }) => {
    x.slow(SLOW_X_MS)
    await sleep(4_000)
    const startAt = Date.now()
    const restarts: number[] = []
    const held: number[] = []
    const stopBy = startAt + cfg.seconds * 1000 - 10_000
    for (let i = 0; i < 100 && Date.now() < stopBy; i++) {
      const name = WORKERS[i % 2]!
      const jobs = await inFlight(stack, name)
      const t = Date.now()
      await stack.kill(name, 'SIGKILL')
      await stack.restart(name)
      restarts.push(Date.now() - t)
      held.push(jobs ?? 0)
      log(`  SIGKILL ${name} holding ${jobs} jobs, back in ${Date.now() - t} ms`)
      await sleep(cfg.killEverySeconds * 1000 - (Date.now() - t))
    }
    return {
      startAt,
      endAt: Date.now(),
      notes: [
        `X answers replies after ${SLOW_X_MS} ms throughout, so kills land mid-request`,
        `${restarts.length} SIGKILLs holding ${held.join('+')} jobs in flight; kill → ready median ${median(restarts)} ms`,
      ],
      checks: [],
    }
  },
}

const redisOutage: Scenario = {
  id: 2,
  name: 'redis-outage',
  title: 'Redis stopped, restarted (AOF)',
  governing: () => ({
    ms: 12_000,
    what: 'Redis connect 2 s + command 5 s + consumer backoff cap 5 s',
  }),
  inject: async ({ stack, cfg, log }) => {
    await sleep(5_000)
    const startAt = Date.now()
    await stack.redis.stop()
    log(`  redis stopped for ${cfg.redisDownSeconds} s`)
    await sleep(cfg.redisDownSeconds * 1000)
    await stack.redis.restart()
    const endAt = Date.now()
    log(`  redis back after ${endAt - startAt} ms`)
    return {
      startAt,
      endAt,
      notes: [`Redis down ${((endAt - startAt) / 1000).toFixed(1)} s (SIGTERM, AOF everysec)`],
      checks: [],
    }
  },
}

const tfServingOutage: Scenario = {
  id: 3,
  name: 'tf-serving-kill',
  title: 'tf-serving SIGKILL, down, restarted',
  governing: (cfg) =>
    governedBy('PREDICT_TIMEOUT_MS', cfg.predictTimeoutMs, 'held jobs re-poll every ≤ 2 s'),
  inject: async ({ stack, cfg, log }) => {
    await sleep(5_000)
    const startAt = Date.now()
    await stack.kill('tf-serving', 'SIGKILL')
    await sleep(cfg.tfServingDownSeconds * 1000)
    await stack.restart('tf-serving')
    const endAt = Date.now()
    const down = endAt - startAt
    log(`  tf-serving down ${down} ms (kill → model loaded)`)
    // Jobs wait in place up to MODEL_OUTAGE_WAIT_MS, then spend their attempts with backoff.
    const past = down > cfg.modelOutageWaitMs
    return {
      startAt,
      endAt,
      ...(past ? { expectedBuryReason: /tf-serving/ } : {}),
      notes: [
        `tf-serving unavailable ${(down / 1000).toFixed(1)} s (kill, ${cfg.tfServingDownSeconds} s off, reload); jobs wait in place up to MODEL_OUTAGE_WAIT_MS ${cfg.modelOutageWaitMs / 1000} s${past ? ': past it, burial for tf-serving counts as expected' : ''}`,
      ],
      checks: [],
    }
  },
}

/** After a 429 with reset R, the next reply request for the same event came at or after R. */
const honouredResets = (requests: RecordedRequest[], startAt: number, resetAt: number): Check => {
  const byTarget = new Map<string, RecordedRequest[]>()
  for (const r of requests) {
    const rec = r.at >= startAt ? replyRecordOf(r) : undefined
    if (!rec) continue
    const k = `${rec.queue}:${rec.target}`
    byTarget.set(k, [...(byTarget.get(k) ?? []), r])
  }
  let limited = 0
  let early = 0
  for (const list of byTarget.values())
    for (let i = 0; i < list.length - 1; i++) {
      if (list[i]!.status !== 429) continue
      limited++
      if (list[i + 1]!.at < resetAt - 100) early++
    }
  return {
    name: '429 reset honoured',
    ok: early === 0,
    detail: `${limited} replies rate-limited, ${early} retried before the reset`,
  }
}

/** How long X answers 429 in scenario 4; the reset it names is this long after the start. */
const RATE_LIMITED_MS = 4_000

const xFaultsScenario: Scenario = {
  id: 4,
  name: 'x-faults',
  title: 'X: 429 (reset), then 500s, then timeouts',
  governing: (cfg) => ({
    ms: cfg.xTimeoutMs + 8_000,
    what: `X_TIMEOUT_MS ${cfg.xTimeoutMs / 1000} s + last backoff step 8 s`,
  }),
  inject: async ({ x, cfg, log }) => {
    await sleep(3_000)
    const startAt = Date.now()
    const resetAt = startAt + RATE_LIMITED_MS
    x.rateLimited(resetAt)
    log('  X: 429 until reset (4 s)')
    await sleep(resetAt - Date.now())
    x.clear()
    x.serverErrors()
    log('  X: 500s (3 s)')
    await sleep(3_000)
    x.clear()
    const hang = cfg.xTimeoutMs + 1_000
    x.timeouts(hang)
    log(`  X: no answer for ${hang} ms, then posted (3 s)`)
    await sleep(3_000)
    x.clear()
    // The last hung requests are answered `hang` ms after they arrived.
    await sleep(hang)
    return {
      startAt,
      endAt: Date.now(),
      notes: [
        `429 for 4 s (reset given), 500 for 3 s, then 3 s of requests held ${hang} ms (> X_TIMEOUT_MS) and posted`,
      ],
      checks: [],
    }
  },
  after: ({ stack }, startAt) => [
    honouredResets(stack.x.requests, startAt, startAt + RATE_LIMITED_MS),
  ],
}

const mediaFaults: Scenario = {
  id: 5,
  name: 'media-slow-404',
  title: 'media host slow (5 s/image), then 404s',
  governing: (cfg) => governedBy('MEDIA_TIMEOUT_MS', cfg.mediaTimeoutMs),
  inject: async (ctx) => {
    const { media, cfg, log } = ctx
    await sleep(3_000)
    const startAt = Date.now()
    media.resetPeak()
    media.setDelayMs(cfg.mediaDelayMs)
    log(`  media: ${cfg.mediaDelayMs} ms per image (12 s)`)
    await sleep(12_000)
    media.setDelayMs(0)
    const peak = media.peakInFlight()
    ctx.mediaMode = 'half-missing'
    log('  media: every second event points at a 404 (10 s)')
    await sleep(10_000)
    ctx.mediaMode = 'ok'
    const bound = 2 * cfg.concurrency
    return {
      startAt,
      endAt: Date.now(),
      notes: [`downloads in flight at once while slow: peak ${peak} (bound ${bound})`],
      checks: [
        { name: 'bounded concurrency', ok: peak <= bound, detail: `peak ${peak} ≤ ${bound}` },
      ],
    }
  },
}

const rollingRestart: Scenario = {
  id: 6,
  name: 'rolling-restart',
  title: 'rolling restart (SIGTERM each worker), twice',
  governing: (cfg) => ({
    ms: cfg.shutdownGraceMs + cfg.xTimeoutMs,
    what: `SHUTDOWN_GRACE_MS ${cfg.shutdownGraceMs / 1000} s + X_TIMEOUT_MS ${cfg.xTimeoutMs / 1000} s`,
  }),
  inject: async ({ stack, x, cfg, log }) => {
    // Round 1: replies take 1 s, in-flight jobs finish within the grace period. Round 2: they
    // take longer than the grace period, so the workers hand them back mid-request.
    const rounds = [SLOW_X_MS, cfg.shutdownGraceMs + 1_500]
    await sleep(5_000)
    const startAt = Date.now()
    const checks: Check[] = []
    const notes: string[] = []
    for (const delay of rounds) {
      x.clear()
      x.slow(delay)
      await sleep(delay + 1_000)
      for (const name of WORKERS) {
        const jobs = await inFlight(stack, name)
        const t = Date.now()
        const code = await stack.kill(name, 'SIGTERM')
        const exitMs = Date.now() - t
        await stack.restart(name)
        const line = `X takes ${delay} ms: SIGTERM ${name} holding ${jobs} jobs, exit ${code} in ${exitMs} ms, ready in ${Date.now() - t} ms`
        log(`  ${line}`)
        notes.push(line)
        checks.push({
          name: `${name} exits 0 on SIGTERM (X ${delay} ms)`,
          ok: code === 0,
          detail: `exit ${code}`,
        })
        await sleep(2_000)
      }
    }
    x.clear()
    return { startAt, endAt: Date.now(), notes, checks }
  },
}

const badFlood: Scenario = {
  id: 7,
  name: 'bad-request-flood',
  title: 'bad requests at 10× the good rate',
  governing: () => ({ ms: 3_000, what: "X's delivery timeout 3 s" }),
  inject: async ({ stack, cfg, log }) => {
    await sleep(2_000)
    const startAt = Date.now()
    const rate = cfg.rate * cfg.floodFactor
    const flood = await startFlood({
      webhookUrl: `${stack.services.master.url}/webhook`,
      consumerSecret: stack.consumerSecret,
      botId: stack.botId,
      rate,
      oversizedBytes: 1024 * 1024 + 64 * 1024,
      timeoutMs: 3_000,
    })
    log(`  flooding ${rate} bad requests/s`)
    await sleep(cfg.seconds * 1000 - 7_000)
    await flood.stop()
    const endAt = Date.now()
    const summary = BAD_KINDS.map(
      (k) => `${k} ${[...flood.answers[k].entries()].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    ).join('; ')
    const answers = BAD_KINDS.flatMap((k) => [...flood.answers[k].entries()])
    const bad5xx = answers.filter(([s]) => /^5\d\d$/.test(s) && s !== '503')
    const noAnswer = answers.filter(([s]) => !/^\d+$/.test(s))
    return {
      startAt,
      endAt,
      notes: [
        `${flood.sent} bad requests (${(flood.sent / ((endAt - startAt) / 1000)).toFixed(0)}/s): ${summary}`,
      ],
      checks: [
        {
          name: 'bad requests: no 5xx other than 503',
          ok: bad5xx.length === 0,
          detail: bad5xx.map(([s, n]) => `${s}×${n}`).join(' ') || 'none',
        },
        {
          name: 'bad requests: every one answered',
          ok: noAnswer.length === 0,
          detail: noAnswer.map(([s, n]) => `${s}×${n}`).join(' ') || 'all answered',
        },
      ],
    }
  },
}

export const SCENARIOS: readonly Scenario[] = [
  workerKill,
  redisOutage,
  tfServingOutage,
  xFaultsScenario,
  mediaFaults,
  rollingRestart,
  badFlood,
  hostileScenario,
]
