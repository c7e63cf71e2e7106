import { parsePrometheusText, type Sample, sumSamples } from './prometheus-text.ts'

/** The counter every job ends in (workers/README.md): `tweetbot_jobs_total{queue,outcome}`. */
export const JOBS_TOTAL = 'tweetbot_jobs_total'
/** Outcomes that end a job; `retried` does not. */
export const FINAL_OUTCOMES = ['replied', 'skipped', 'dead'] as const
/** What a worker in load-testing mode exposes on /metrics (1 = on). */
export const LOAD_TESTING_GAUGE = 'tweetbot_load_testing_mode'

export type JobCounts = Record<(typeof FINAL_OUTCOMES)[number] | 'retried', number>
const COUNTED = [...FINAL_OUTCOMES, 'retried'] as const
const countsBy = (count: (outcome: keyof JobCounts) => number) =>
  Object.fromEntries(COUNTED.map((o) => [o, count(o)])) as JobCounts

export const jobCounts = (samples: Sample[]): JobCounts =>
  countsBy((o) => sumSamples(samples, JOBS_TOTAL, (l) => l.outcome === o))

export const finished = (c: JobCounts) => c.replied + c.skipped + c.dead

export const diffCounts = (after: JobCounts, before: JobCounts): JobCounts =>
  countsBy((o) => after[o] - before[o])

export type ModeVerdict = { on: true; source: string } | { on: false; reason: string }

/**
 * Whether a worker says FLT_LOAD_TESTING_MODE is in force: the gauge on /metrics, or a
 * `loadTestingMode` / `load_testing_mode` field in its /readyz JSON. The attack trusts only
 * the running stack, never the caller's shell, because a shell variable says nothing about
 * what the workers that reply on X were started with.
 */
export const loadTestingMode = (metrics: Sample[], readyzBody: unknown): ModeVerdict => {
  const gauge = metrics.filter((s) => s.name === LOAD_TESTING_GAUGE)
  if (gauge.length > 0)
    return gauge.every((s) => s.value === 1)
      ? { on: true, source: `/metrics ${LOAD_TESTING_GAUGE} 1` }
      : { on: false, reason: `/metrics says ${LOAD_TESTING_GAUGE} 0: the worker can reply on X` }
  const r =
    readyzBody && typeof readyzBody === 'object' ? (readyzBody as Record<string, unknown>) : {}
  const flag = r.loadTestingMode ?? r.load_testing_mode ?? r.FLT_LOAD_TESTING_MODE
  if (flag !== undefined)
    return flag === true || flag === 'True' || flag === 'true'
      ? { on: true, source: '/readyz loadTestingMode true' }
      : { on: false, reason: '/readyz says loadTestingMode false: the worker can reply on X' }
  return {
    on: false,
    reason: `the worker reports no load-testing mode (neither ${LOAD_TESTING_GAUGE} on /metrics nor loadTestingMode on /readyz)`,
  }
}

const get = async (url: string) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) })
  return { status: res.status, text: await res.text() }
}

export interface WorkerProbe {
  url: string
  reachable: boolean
  mode: ModeVerdict
  counts: JobCounts
}

/** The JSON of a worker's /readyz; undefined when it does not answer JSON. */
const readyzJson = async (url: string): Promise<unknown> => {
  try {
    return JSON.parse((await get(`${url}/readyz`)).text)
  } catch {
    return undefined
  }
}

/** Reads one worker's /metrics, and its /readyz only when /metrics has no mode gauge. */
export const probeWorker = async (base: string): Promise<WorkerProbe> => {
  const url = base.replace(/\/+$/, '')
  try {
    const metrics = await get(`${url}/metrics`)
    const samples = parsePrometheusText(metrics.text)
    const modeSamples = metrics.status === 200 ? samples : []
    // The gauge decides on its own (loadTestingMode): /readyz is asked only in its absence.
    const gauge = modeSamples.some((s) => s.name === LOAD_TESTING_GAUGE)
    const readyBody = gauge ? undefined : await readyzJson(url)
    return {
      url,
      reachable: metrics.status === 200,
      mode: loadTestingMode(modeSamples, readyBody),
      counts: jobCounts(samples),
    }
  } catch (err) {
    return {
      url,
      reachable: false,
      mode: { on: false, reason: `unreachable (${(err as Error).message})` },
      counts: countsBy(() => 0),
    }
  }
}

export const sumCounts = (probes: WorkerProbe[]): JobCounts =>
  countsBy((o) => probes.reduce((sum, p) => sum + p.counts[o], 0))
