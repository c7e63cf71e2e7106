/** The chaos suite's knobs, from the environment (read once, in run.ts). */
export interface ChaosConfig {
  /** Good events per second (DMs and mentions alternately). */
  rate: number
  /** Traffic per scenario, seconds. */
  seconds: number
  /** Longest wait for the backlog to settle after traffic stops, seconds. */
  drainSeconds: number
  /** Scenario names or numbers to run (empty: all). */
  only: string[]
  killEverySeconds: number
  redisDownSeconds: number
  tfServingDownSeconds: number
  /** The workers' X_TIMEOUT_MS. */
  xTimeoutMs: number
  /** The workers' MEDIA_TIMEOUT_MS. */
  mediaTimeoutMs: number
  /** The workers' PREDICT_TIMEOUT_MS. */
  predictTimeoutMs: number
  /** The workers' MODEL_OUTAGE_WAIT_MS (jobs wait this long in place for tf-serving). */
  modelOutageWaitMs: number
  /** The workers' SHUTDOWN_GRACE_MS (short, so scenario 6 also sees jobs handed back). */
  shutdownGraceMs: number
  /** How slow the media host turns in scenario 5. */
  mediaDelayMs: number
  /** Bad requests per good one in scenario 7. */
  floodFactor: number
  /** CHAT_WORKER_CONCURRENCY and TWEET_WORKER_CONCURRENCY. */
  concurrency: number
  /** Stalled bodies held at once in the hostile scenario. */
  hostileStalled: number
  /** The master pod's memory limit (manifests: MASTER_MEMORY_LIMIT 256Mi), MiB. */
  masterMemoryMiB: number
  /** Where the JSON results go. */
  out: string
}

const NUMBERS = {
  CHAOS_RATE: ['rate', 5],
  CHAOS_SECONDS: ['seconds', 30],
  CHAOS_DRAIN_SECONDS: ['drainSeconds', 90],
  CHAOS_KILL_EVERY_SECONDS: ['killEverySeconds', 6],
  CHAOS_REDIS_DOWN_SECONDS: ['redisDownSeconds', 10],
  CHAOS_TF_SERVING_DOWN_SECONDS: ['tfServingDownSeconds', 15],
  CHAOS_PREDICT_TIMEOUT_MS: ['predictTimeoutMs', 10_000],
  CHAOS_MODEL_OUTAGE_WAIT_MS: ['modelOutageWaitMs', 60_000],
  CHAOS_X_TIMEOUT_MS: ['xTimeoutMs', 5_000],
  CHAOS_MEDIA_TIMEOUT_MS: ['mediaTimeoutMs', 10_000],
  CHAOS_MEDIA_DELAY_MS: ['mediaDelayMs', 5_000],
  CHAOS_SHUTDOWN_GRACE_MS: ['shutdownGraceMs', 2_000],
  CHAOS_FLOOD_FACTOR: ['floodFactor', 10],
  CHAOS_CONCURRENCY: ['concurrency', 8],
  CHAOS_HOSTILE_STALLED: ['hostileStalled', 300],
  CHAOS_MASTER_MEMORY_MIB: ['masterMemoryMiB', 256],
} as const satisfies Record<string, readonly [keyof ChaosConfig, number]>

/** Parses the CHAOS_* variables; throws one error naming every bad one. */
export const parseChaosConfig = (env: Record<string, string | undefined>): ChaosConfig => {
  const bad: string[] = []
  const cfg: Record<string, unknown> = {
    only: (env.CHAOS_SCENARIOS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    out: env.CHAOS_OUT || 'bench/chaos/out/latest.json',
  }
  for (const [name, [field, fallback]] of Object.entries(NUMBERS)) {
    const raw = env[name]
    const value = raw === undefined || raw === '' ? fallback : Number(raw)
    if (!Number.isFinite(value) || value <= 0) bad.push(`${name} must be a positive number`)
    cfg[field] = value
  }
  if (bad.length > 0) throw new Error(`chaos: bad configuration:\n  ${bad.join('\n  ')}`)
  return cfg as unknown as ChaosConfig
}
