import { WEBHOOK_LIMIT_DEFAULTS } from '@tweetbot/common/config'
import {
  parsePrometheusText,
  type Sample,
  sumSamples,
} from '../../load_test/src/prometheus-text.ts'
import { memoryMiB } from '../proc-status.ts'
import { HOSTILE_KINDS, startHostileLoad } from './hostile.ts'
import { type Check, governedBy, type Scenario } from './scenario.ts'

/** The master's defaults (the chaos stack sets neither): stalled bodies' size and deadline. */
const { maxBodyBytes: MAX_BODY_BYTES, bodyTimeoutMs: BODY_TIMEOUT_MS } = WEBHOOK_LIMIT_DEFAULTS

/** Sum of the samples of `name` whose labels include every one of `labels`. */
const sample = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  sumSamples(samples, name, (l) => Object.entries(labels).every(([k, v]) => l[k] === v))

const REFUSALS = 'tweetbot_master_body_refusals_total'
const REQUESTS = 'tweetbot_master_request_duration_seconds_count'

/**
 * Scenario 8: the security review's attack on the master while good signed traffic flows.
 * The master must stay inside its pod's memory limit (RSS measured against it: the suite does
 * not move processes between cgroups), answer every good delivery, and refuse the rest with
 * 4xx or 503, never 500.
 */
export const hostileScenario: Scenario = {
  id: 8,
  name: 'hostile',
  title: 'hostile: 300 stalled bodies, aborted reads, oversized requests',
  governing: () =>
    governedBy('WEBHOOK_BODY_TIMEOUT_MS', BODY_TIMEOUT_MS, 'stalled bodies cut, budget back'),
  inject: async ({ stack, cfg, log }) => {
    await Bun.sleep(2_000)
    const master = stack.services.master
    const pid = master.pid
    if (pid === undefined) throw new Error('the master is not running')
    const before = parsePrometheusText(await stack.metrics('master'))
    const rssBefore = memoryMiB(pid).rss
    const logBefore = master.logs().length
    const startAt = Date.now()
    const load = startHostileLoad({
      port: master.port,
      stalled: cfg.hostileStalled,
      declaredBytes: MAX_BODY_BYTES,
      reopenMs: 2_000,
      abortedPerSec: 10,
      oversizedPerSec: 4,
      maxBodyBytes: MAX_BODY_BYTES,
    })
    log(`  ${cfg.hostileStalled} stalled 256 KiB bodies held, 10 aborted reads/s, 4 oversized/s`)
    let peak = rssBefore
    const stopBy = startAt + cfg.seconds * 1000 - 7_000
    while (Date.now() < stopBy) {
      peak = Math.max(peak, memoryMiB(pid).rss)
      await Bun.sleep(200)
    }
    await load.stop()
    const endAt = Date.now()
    const { hwm } = memoryMiB(pid)
    // The last refusals are counted as their sockets close.
    await Bun.sleep(BODY_TIMEOUT_MS + 500)
    const after = parsePrometheusText(await stack.metrics('master'))
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels)
    const refusals = Object.fromEntries(
      ['budget', 'timeout', 'aborted', 'too_large'].map((r) => [r, delta(REFUSALS, { reason: r })]),
    )
    const status = (s: string) => delta(REQUESTS, { route: '/webhook', status: s })
    const errorLines = master
      .logs()
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes('"level":"error"') || l.includes('"stack"'))
    const oversized = ['oversized-declared', 'oversized-chunked'] as const
    const oversizedAnswers = oversized.flatMap((k) => [...load.answers[k].entries()])
    const summary = HOSTILE_KINDS.map(
      (k) =>
        `${k} ${load.opened[k]} (${[...load.answers[k].entries()].map(([s, n]) => `${s}×${n}`).join(' ')})`,
    ).join('; ')
    const limit = cfg.masterMemoryMiB
    const checks: Check[] = [
      {
        name: `master within its ${limit} MiB pod limit`,
        ok: Math.max(peak, hwm) < limit,
        detail: `RSS ${rssBefore.toFixed(0)} MiB before, sampled peak ${peak.toFixed(0)} MiB, kernel high-water mark ${hwm.toFixed(0)} MiB`,
      },
      {
        name: 'bodies past the budget refused with 503',
        ok: refusals.budget! > 0,
        detail: `${refusals.budget} budget refusals`,
      },
      {
        name: 'stalled bodies cut at the deadline (408)',
        ok: refusals.timeout! > 0 && status('408') > 0,
        detail: `${refusals.timeout} timeouts, ${status('408')} answered 408`,
      },
      {
        name: 'aborted reads counted as 499, never 500',
        ok: refusals.aborted! > 0 && status('499') > 0 && status('500') === 0,
        detail: `${status('499')} × 499, ${status('500')} × 500`,
      },
      {
        // A chunked body takes its budget as it streams, so it may meet a full budget (503)
        // before it passes the limit (413); either way it is refused, never read whole. The
        // master closes such a connection while the client is still sending, so the client's
        // kernel may get a reset before the answer (`none`): refused all the same.
        name: 'oversized requests refused (413, or 503 while the budget is full)',
        ok:
          oversizedAnswers.some(([s]) => s === '413') &&
          oversizedAnswers.every(([s]) => s === '413' || s === '503' || s === 'none'),
        detail: oversizedAnswers.map(([s, n]) => `${s}×${n}`).join(' '),
      },
      {
        name: 'no error line or stack in the master log',
        ok: errorLines.length === 0,
        detail: errorLines.length === 0 ? 'none' : errorLines[0]!.slice(0, 200),
      },
    ]
    return {
      startAt,
      endAt,
      notes: [
        `hostile connections: ${summary}`,
        `master refusals: ${Object.entries(refusals)
          .map(([r, n]) => `${r} ${n}`)
          .join(
            ', ',
          )}; /webhook answers 503×${status('503')} 408×${status('408')} 499×${status('499')} 413×${status('413')} 500×${status('500')}`,
        `master RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB sampled every 200 ms (high-water mark ${hwm.toFixed(0)} MiB) against a ${limit} MiB limit`,
      ],
      checks,
    }
  },
}
